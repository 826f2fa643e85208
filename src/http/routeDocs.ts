import type * as z from 'zod';
import { MCP_QUERY_DOCS } from './mcpRoutes.js';
import { AUDIT_CALLS_DOCS } from './auditRoutes.js';
import { InstallPackageBody, UpgradePackageBody } from './packageSchemas.js';
import {
  AddServerBody,
  DeleteSecretBody,
  OAuthTokensBody,
  SetSecretBody,
  ToolCallBody,
  UpdateServerBody,
} from './serverSchemas.js';
import { IDENTITY_ROUTE_DOCS } from './identityRouteDocs.js';
import { CONNECT_ROUTE_DOCS } from './connectRouteDocs.js';
import { TOOL_PIN_ROUTE_DOCS } from './toolPinRouteDocs.js';
import { CONSOLE_ROUTE_DOCS } from './healthSummaryRoutes.js';
import { CATALOG_ROUTE_DOCS } from './catalogRouteDocs.js';

/** What OpenAPI says about one route. Request bodies are the very zod schemas the route parses with. */
export interface RouteDoc {
  readonly summary: string;
  readonly tag: string;
  readonly body?: z.ZodType;
  /** Names of the success body's fields besides `success`. */
  readonly returns?: readonly string[];
  readonly query?: Record<string, string>;
}

/**
 * One entry per route, keyed "METHOD /path" in the router's own syntax. A test fails when a route
 * exists without an entry here, so a new route cannot ship undocumented.
 */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /healthz': {
    summary: 'Liveness: the process is up',
    tag: 'operations',
    returns: ['status', 'checkpoint'],
  },
  'GET /readyz': {
    summary:
      'Readiness: store reachable, projections caught up, every enabled server supervised (503 if not)',
    tag: 'operations',
    returns: ['status', 'checks'],
  },
  'GET /metrics': { summary: 'Prometheus metrics (text format)', tag: 'operations' },
  'GET /openapi.json': { summary: 'This OpenAPI 3.1 document', tag: 'operations' },
  'GET /docs': { summary: 'Human-readable API documentation (HTML)', tag: 'operations' },
  'GET /mcp/servers': {
    summary: 'List servers with live status, tools and recent logs',
    tag: 'servers',
    returns: ['servers'],
  },
  'GET /mcp/servers/:name': { summary: 'One server', tag: 'servers', returns: ['server'] },
  'POST /mcp/servers': {
    summary: 'Register a server; it starts in the background unless enabled is false',
    tag: 'servers',
    body: AddServerBody,
    returns: ['server'],
  },
  'PUT /mcp/servers/:name': {
    summary: 'Change a server; a changed configuration restarts it',
    tag: 'servers',
    body: UpdateServerBody,
    returns: ['server'],
  },
  'PUT /mcp/servers/:name/enable': {
    summary: 'Enable (and start) a server; also resets a tripped crash-loop breaker',
    tag: 'servers',
    returns: ['server'],
  },
  'PUT /mcp/servers/:name/disable': {
    summary: 'Disable (and stop) a server',
    tag: 'servers',
    returns: ['server'],
  },
  'DELETE /mcp/servers/:name': {
    summary: "Remove a server, stopping it and forgetting its users' secrets",
    tag: 'servers',
  },
  'POST /mcp/servers/:name/oauth': {
    summary: "Store a user's OAuth tokens for a remote server (encrypted; refreshed automatically)",
    tag: 'servers',
    body: OAuthTokensBody,
    returns: ['server'],
  },
  'GET /mcp/tools': {
    summary: 'Tools of every enabled server the caller may use (access policy), as [{ "<server>": [tool] }]',
    tag: 'tools',
    returns: ['tools'],
    query: { username: 'admin only: list as this user' },
  },
  'POST /mcp/tool/call': {
    summary: "Call a tool with the caller's secrets injected; data is the MCP CallToolResult",
    tag: 'tools',
    body: ToolCallBody,
    returns: ['data'],
  },
  'POST /secrets/set': {
    summary: 'Store (or overwrite) an encrypted secret for a user and server',
    tag: 'secrets',
    body: SetSecretBody,
  },
  'GET /secrets': {
    summary: "Names of a user's secrets per server (never values); a user token sees its own",
    tag: 'secrets',
    returns: ['username', 'secrets'],
    query: { username: 'the user (admin only; default: the token\'s user, or "default")' },
  },
  'POST /secrets/delete': { summary: 'Delete a secret', tag: 'secrets', body: DeleteSecretBody },
  'POST /mcp': {
    summary:
      "The gateway's own MCP endpoint (Streamable HTTP, JSON-RPC body): every enabled server's tools as " +
      '<server>__<tool>',
    tag: 'mcp',
    query: MCP_QUERY_DOCS,
  },
  'GET /mcp': {
    summary: "MCP endpoint: the session's server-to-client SSE stream (Mcp-Session-Id header)",
    tag: 'mcp',
    query: MCP_QUERY_DOCS,
  },
  'DELETE /mcp': { summary: 'MCP endpoint: end the session named by the Mcp-Session-Id header', tag: 'mcp' },
  'POST /packages/install': {
    summary:
      'Install an npm or pip package and register its server (Accept: text/event-stream streams progress)',
    tag: 'packages',
    body: InstallPackageBody,
    returns: ['package', 'server'],
  },
  'GET /packages': {
    summary: 'Installed packages with version information',
    tag: 'packages',
    returns: ['packages'],
    query: { checkUpdates: 'true to check the registry/index first' },
  },
  'GET /packages/updates': {
    summary: 'Check installed packages for newer versions',
    tag: 'packages',
    returns: ['updates'],
    query: { name: 'limit to one server name' },
  },
  'PUT /packages/upgrade-all': {
    summary: 'Upgrade every package; per-package results (502 if any failed)',
    tag: 'packages',
    returns: ['results'],
  },
  'GET /packages/by-name/:name': {
    summary: 'A package by its npm/PyPI name',
    tag: 'packages',
    returns: ['package'],
    query: { checkUpdates: 'true to check first' },
  },
  'GET /packages/by-name/:scope/:name': {
    summary: 'A scoped npm package by name (@scope/name)',
    tag: 'packages',
    returns: ['package'],
    query: { checkUpdates: 'true to check first' },
  },
  'GET /packages/by-id/:name': {
    summary: 'A package by its server name',
    tag: 'packages',
    returns: ['package'],
    query: { checkUpdates: 'true to check first' },
  },
  'GET /packages/:name/log': {
    summary: 'Output of the running or last install/upgrade job (text/event-stream follows it live)',
    tag: 'packages',
  },
  'PUT /packages/:name/upgrade': {
    summary: 'Upgrade one package (body: optional version)',
    tag: 'packages',
    body: UpgradePackageBody,
    returns: ['package', 'server'],
  },
  'PUT /packages/:name/enable': {
    summary: "Enable the package's server",
    tag: 'packages',
    returns: ['server'],
  },
  'PUT /packages/:name/disable': {
    summary: "Disable the package's server",
    tag: 'packages',
    returns: ['server'],
  },
  'DELETE /packages/:name': {
    summary: 'Uninstall: stop and remove the server, delete its install directory',
    tag: 'packages',
  },
  'GET /events': {
    summary: 'Audit log: stored events in position order, secrets as ciphertext metadata only',
    tag: 'audit',
    returns: ['events', 'nextFrom', 'head'],
    query: {
      stream: 'stream id',
      type: 'event type(s), A,B',
      from: 'first position',
      to: 'last position',
      since: 'ISO time',
      until: 'ISO time',
      limit: '1-1000 (100)',
    },
  },
  'GET /events/state': {
    summary:
      'The configuration as of a position or time: servers, secret names per user and server, packages (the live ' +
      'folds replayed)',
    tag: 'audit',
    returns: ['position', 'occurredAt', 'servers', 'secrets', 'packages', 'head'],
    query: {
      position: 'last position to include (default: head)',
      at: 'ISO time: every event that occurred at or before it',
    },
  },
  'GET /audit/calls': {
    summary:
      'Audit trail of tool calls, resource reads, prompt gets and completions, newest first: who, server, ' +
      'target, time, duration, outcome, argument names and sizes (never values)',
    tag: 'audit',
    returns: ['calls', 'nextCursor'],
    query: AUDIT_CALLS_DOCS,
  },
  'GET /auth/me': { summary: 'Who the presented token acts as', tag: 'auth', returns: ['principal'] },
  'POST /auth/tokens': {
    summary: 'Issue a user token (shown once; stored hashed)',
    tag: 'auth',
    returns: ['token', 'id'],
  },
  'GET /auth/tokens': { summary: 'Token metadata (never the tokens)', tag: 'auth', returns: ['tokens'] },
  'DELETE /auth/tokens/:id': { summary: 'Revoke a user token', tag: 'auth' },
  'DELETE /users/:username': {
    summary:
      'Delete a user: destroys their data key, so every secret and token they stored becomes undecryptable',
    tag: 'auth',
  },
  'POST /auth/google/link': {
    summary: 'Issue a short-lived signed Google login link for a user and server',
    tag: 'google',
    returns: ['url'],
  },
  'GET /auth/google/login': {
    summary: 'Start the Google OAuth2 flow (302 to Google)',
    tag: 'google',
    query: {
      user_id: 'the user',
      server: 'the OAuth2 server',
      link: 'signed login link (instead of a token)',
    },
  },
  'GET /auth/google/callback': {
    summary: "Google's redirect: validates the single-use state, stores the tokens encrypted",
    tag: 'google',
    query: { code: 'authorization code', state: 'single-use state' },
  },
  ...IDENTITY_ROUTE_DOCS,
  ...CONNECT_ROUTE_DOCS,
  ...TOOL_PIN_ROUTE_DOCS,
  ...CONSOLE_ROUTE_DOCS,
  ...CATALOG_ROUTE_DOCS,
  'GET /ui': { summary: 'The web console (static HTML; sign in with a token)', tag: 'console' },
  'GET /ui/:file': { summary: "The web console's script and style files", tag: 'console' },
};
