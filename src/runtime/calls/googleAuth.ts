import { AppError } from '../../errors.js';
import type { ServerView } from '../../projections/serversProjection.js';

/**
 * The reference README's "Stdio OAuth2 (MCP_AUTH_TYPE)" contract: a server whose env declares
 * MCP_AUTH_TYPE=OAUTH2_GOOGLE gets, on every tool call except its auth_* tools, the user's stored
 * Google tokens and the app's client JSON as hidden arguments named as below.
 */
export const GOOGLE_AUTH_TYPE = 'OAUTH2_GOOGLE';
/** The secret (per user, per server) holding the token JSON auth_exchange_code returned. */
export const GOOGLE_TOKENS_SECRET = 'google_tokens';
export const HIDDEN_TOKENS_PARAM = 'userCredentials';
export const HIDDEN_CLIENT_PARAM = 'gauthFileContent';

export const isGoogleOAuthServer = (view: ServerView): boolean =>
  view.config.transport.transportType === 'stdio' &&
  view.config.transport.env.MCP_AUTH_TYPE === GOOGLE_AUTH_TYPE;
export const isAuthTool = (methodName: string): boolean => methodName.startsWith('auth_');

export const reauthRequired = (serverName: string, username: string, why: string): AppError =>
  new AppError(
    'reauth_required',
    `${why}; connect a Google account for user ${username} on server ${serverName} (open authorizationUrl in a ` +
      `browser)`,
    {
      reauthRequired: true,
      serverName,
      username,
    },
  );

/**
 * The hidden arguments for one call. `tokensJson` is the decrypted secret (undefined when the user
 * has none). Returns the parameters and every string inside them, for stderr redaction.
 */
export function googleHiddenParams(
  serverName: string,
  username: string,
  tokensJson: string | undefined,
  credentials: Record<string, unknown> | undefined,
): { params: Record<string, unknown>; values: string[] } {
  if (!credentials) {
    throw new AppError(
      'oauth_not_configured',
      `Server ${serverName} uses Google OAuth2 but GOOGLE_OAUTH_CREDENTIALS is not configured`,
      { serverName },
    );
  }
  if (tokensJson === undefined) throw reauthRequired(serverName, username, 'No Google tokens are stored');
  let tokens: unknown;
  try {
    tokens = JSON.parse(tokensJson);
  } catch {
    throw reauthRequired(serverName, username, 'The stored Google tokens are not valid JSON');
  }
  if (!tokens || typeof tokens !== 'object' || Array.isArray(tokens))
    throw reauthRequired(serverName, username, 'The stored Google tokens are not a JSON object');
  const params = { [HIDDEN_TOKENS_PARAM]: tokens, [HIDDEN_CLIENT_PARAM]: credentials };
  // Every token string, but of the client JSON only its secret: its ids and URLs are not secret.
  return { params, values: [...stringsIn(tokens), ...stringsIn(credentials, 'client_secret')] };
}

function stringsIn(value: unknown, onlyKey?: string, out: string[] = []): string[] {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string') {
        if (v.length >= 8 && (onlyKey === undefined || k === onlyKey)) out.push(v);
      } else stringsIn(v, onlyKey, out);
    }
  }
  return out;
}
