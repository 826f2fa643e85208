import type { RouteDoc } from './routeDocs.js';
import { ConnectBody } from './connectRoutes.js';
import { UpstreamClientBody } from './upstreamClientRoutes.js';

const USER = { username: 'the user (admin only; default: the token\'s user, or "default")' };

/** OpenAPI entries of connect-your-account (connectRoutes.ts). */
export const CONNECT_ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /mcp/servers/:name/oauth/connect': {
    summary:
      "A browser link (15 min) that connects the user's account at a remote server's authorization server; " +
      'asked with a user token, it also marks this browser as that user so the link opens directly',
    tag: 'oauth',
    body: ConnectBody,
    returns: ['serverName', 'username', 'url', 'expiresAt'],
  },
  'GET /mcp/servers/:name/oauth': {
    summary: "Whether the user's account is connected at the server (never the tokens)",
    tag: 'oauth',
    query: USER,
    returns: ['serverName', 'username', 'connected', 'reauthRequired', 'expiresAt', 'scopes'],
  },
  'DELETE /mcp/servers/:name/oauth': {
    summary: "Disconnect: forget the user's OAuth tokens for the server",
    tag: 'oauth',
    query: USER,
    returns: ['serverName', 'username', 'removed'],
  },
  'GET /auth/upstream/connect': {
    summary:
      "Browser leg: in the link user's browser, 302 to the authorization server; elsewhere a confirmation page (HTML)",
    tag: 'oauth',
    query: { link: 'signed connect link' },
  },
  'GET /auth/upstream/callback': {
    summary:
      "The authorization server's redirect: checks browser, single-use state, iss and PKCE; stores the tokens",
    tag: 'oauth',
    query: { code: 'authorization code', state: 'single-use state', iss: 'RFC 9207 issuer' },
  },
  'GET /auth/upstream/client.json': {
    summary: "The gateway's OAuth Client ID Metadata Document (only when PUBLIC_URL is https)",
    tag: 'oauth',
  },
  'PUT /auth/upstream/clients': {
    summary:
      "Configure the gateway's client at a remote authorization server (by issuer); wins over registrations. " +
      'Register it there with the redirectUri this answers with',
    tag: 'oauth',
    body: UpstreamClientBody,
    returns: ['issuer', 'clientId', 'redirectUri'],
  },
  'POST /auth/link/confirm': {
    summary:
      "Confirmation form of a Google or connect link opened outside its user's browser: the user's token",
    tag: 'oauth',
  },
};
