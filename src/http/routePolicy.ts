/**
 * Who may call what: the one table every route must appear in (method + the path pattern exactly
 * as registered with the router). test/http/routePolicy.test.ts fails when a registered route is
 * missing here, and the auth matrix test is generated from this table. A registered route that is
 * missing anyway is treated as admin-only (fail closed).
 *
 * - `public`: no token needed (and any token is ignored).
 * - `user`: any valid token; user tokens act only for their own username (see `actsFor`).
 * - `admin`: the admin token only.
 * - `user-or-link`: a valid token, or a short-lived signed login link (`?link=`) for that user.
 */
export type Access = 'public' | 'user' | 'admin' | 'user-or-link';

export interface RoutePolicy {
  readonly method: string;
  readonly path: string;
  readonly access: Access;
  /** Where a request names the user it acts for; a user token naming another user gets 403. */
  readonly actsFor?: { readonly in: 'body' | 'query'; readonly field: string };
}

const body = (field: string) => ({ in: 'body', field }) as const;
const query = (field: string) => ({ in: 'query', field }) as const;

export const ROUTE_POLICIES: readonly RoutePolicy[] = [
  { method: 'GET', path: '/healthz', access: 'public' },
  { method: 'GET', path: '/readyz', access: 'public' }, // a health check too
  // Server names and call counts: operator data, so scrapers send the admin token.
  { method: 'GET', path: '/metrics', access: 'admin' },
  // Per-server calls, errors and latency for the console; filtered to the servers a user may use.
  { method: 'GET', path: '/health/servers', access: 'user' },
  { method: 'GET', path: '/openapi.json', access: 'user' },
  { method: 'GET', path: '/docs', access: 'user' },

  { method: 'GET', path: '/mcp/servers', access: 'user' },
  { method: 'GET', path: '/mcp/servers/:name', access: 'user' },
  { method: 'POST', path: '/mcp/servers', access: 'admin' },
  { method: 'PUT', path: '/mcp/servers/:name', access: 'admin' },
  { method: 'PUT', path: '/mcp/servers/:name/enable', access: 'admin' },
  { method: 'PUT', path: '/mcp/servers/:name/disable', access: 'admin' },
  { method: 'DELETE', path: '/mcp/servers/:name', access: 'admin' },
  // Log lines are the operator's (a user token's GET shows none), so following them is admin only.
  { method: 'GET', path: '/mcp/servers/:name/logs/stream', access: 'admin' },
  { method: 'POST', path: '/mcp/servers/:name/oauth', access: 'user', actsFor: body('username') },

  { method: 'GET', path: '/mcp/tools', access: 'user', actsFor: query('username') },
  { method: 'POST', path: '/mcp/tool/call', access: 'user', actsFor: body('username') },
  // Tool pinning (issue 14): reviewing and approving upstream tool changes is the operator's job.
  { method: 'GET', path: '/mcp/tool-pins', access: 'admin' },
  { method: 'POST', path: '/mcp/servers/:name/tool-pins/approve', access: 'admin' },
  { method: 'POST', path: '/mcp/servers/:name/tool-pins/reject', access: 'admin' },
  { method: 'GET', path: '/mcp/resources', access: 'user', actsFor: query('username') },
  { method: 'POST', path: '/mcp/resource/read', access: 'user', actsFor: body('username') },
  { method: 'GET', path: '/mcp/prompts', access: 'user', actsFor: query('username') },
  { method: 'POST', path: '/mcp/prompt/get', access: 'user', actsFor: body('username') },

  { method: 'GET', path: '/secrets', access: 'user', actsFor: query('username') },
  { method: 'POST', path: '/secrets/set', access: 'user', actsFor: body('username') },
  { method: 'POST', path: '/secrets/delete', access: 'user', actsFor: body('username') },

  { method: 'POST', path: '/packages/install', access: 'admin' },
  { method: 'GET', path: '/packages', access: 'admin' },
  { method: 'GET', path: '/packages/updates', access: 'admin' },
  { method: 'PUT', path: '/packages/upgrade-all', access: 'admin' },
  { method: 'GET', path: '/packages/by-name/:name', access: 'admin' },
  { method: 'GET', path: '/packages/by-name/:scope/:name', access: 'admin' },
  { method: 'GET', path: '/packages/by-id/:name', access: 'admin' },
  { method: 'GET', path: '/packages/:name/log', access: 'admin' },
  { method: 'PUT', path: '/packages/:name/upgrade', access: 'admin' },
  { method: 'PUT', path: '/packages/:name/enable', access: 'admin' },
  { method: 'PUT', path: '/packages/:name/disable', access: 'admin' },
  { method: 'DELETE', path: '/packages/:name', access: 'admin' },

  { method: 'GET', path: '/events', access: 'admin' },
  // The tool-call audit trail: an admin sees every call, a user token only its own.
  { method: 'GET', path: '/audit/calls', access: 'user', actsFor: query('username') },
  { method: 'GET', path: '/events/state', access: 'admin' },

  // The gateway's own MCP endpoint: a user token acts as its user; the session is bound to it.
  { method: 'POST', path: '/mcp', access: 'user', actsFor: query('username') },
  { method: 'GET', path: '/mcp', access: 'user', actsFor: query('username') },
  { method: 'DELETE', path: '/mcp', access: 'user', actsFor: query('username') },
  { method: 'POST', path: '/mcp/servers/:name/mcp', access: 'user', actsFor: query('username') },
  { method: 'GET', path: '/mcp/servers/:name/mcp', access: 'user', actsFor: query('username') },
  { method: 'DELETE', path: '/mcp/servers/:name/mcp', access: 'user', actsFor: query('username') },

  { method: 'GET', path: '/auth/me', access: 'user' },
  { method: 'POST', path: '/auth/tokens', access: 'admin' },
  { method: 'GET', path: '/auth/tokens', access: 'admin' },
  { method: 'DELETE', path: '/auth/tokens/:id', access: 'admin' },
  { method: 'DELETE', path: '/users/:username', access: 'admin' },

  { method: 'POST', path: '/auth/google/link', access: 'user', actsFor: body('username') },
  { method: 'GET', path: '/auth/google/login', access: 'user-or-link', actsFor: query('user_id') },
  // Google's redirect carries no token: the single-use state is the credential.
  { method: 'GET', path: '/auth/google/callback', access: 'public' },

  // The web console's static files: no data in them; every page calls the API with a token.
  { method: 'GET', path: '/ui', access: 'public' },
  { method: 'GET', path: '/ui/:file', access: 'public' },
  // Users, groups and the access policy (issue 13).
  { method: 'GET', path: '/users', access: 'admin' },
  { method: 'POST', path: '/users', access: 'admin' },
  { method: 'GET', path: '/users/:username', access: 'admin' },
  { method: 'PUT', path: '/users/:username/groups', access: 'admin' },
  { method: 'GET', path: '/policy', access: 'admin' },
  { method: 'PUT', path: '/policy', access: 'admin' },
  { method: 'POST', path: '/policy/check', access: 'admin' },
  // The authorization server's pages: a browser mid-sign-in has no token; the interaction cookie
  // (set by oidc-provider) and a per-interaction CSRF value are the credentials.
  { method: 'GET', path: '/oauth/interaction/:uid', access: 'public' },
  { method: 'POST', path: '/oauth/interaction/:uid/login', access: 'public' },
  { method: 'GET', path: '/oauth/interaction/:uid/federate', access: 'public' },
  { method: 'GET', path: '/oauth/interaction/:uid/federated', access: 'public' },
  { method: 'POST', path: '/oauth/interaction/:uid/confirm', access: 'public' },
  { method: 'GET', path: '/auth/oidc/callback', access: 'public' },
  // RFC 9728: how an MCP client finds where to get a token.
  { method: 'GET', path: '/.well-known/oauth-protected-resource', access: 'public' },
  { method: 'GET', path: '/.well-known/oauth-protected-resource/{*resource}', access: 'public' },
  { method: 'GET', path: '/auth/clients', access: 'user', actsFor: query('username') },
  { method: 'DELETE', path: '/auth/clients/:clientId', access: 'user', actsFor: query('username') },
];

const key = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;
const INDEX = new Map(ROUTE_POLICIES.map((p) => [key(p.method, p.path), p]));

export function policyFor(method: string, path: string): RoutePolicy | undefined {
  return INDEX.get(key(method, path));
}
