import { AppError, isAppError } from '../../errors.js';
import { UrlRefusedError } from '../../net/urlSafety.js';
import { reauthRequired, type OAuthTarget } from './oauth/oauthTokens.js';

/** A call found the shared connection down. */
export const notConnected = (serverName: string, status: string): AppError =>
  new AppError('server_unavailable', `Server ${serverName} is not connected (status ${status})`, {
    serverName,
  });

/** Connecting again cannot help: it needs new tokens, a readable key or a new configuration. */
export const retryCannotHelp = (error: unknown): boolean =>
  (isAppError(error) && (error.code === 'reauth_required' || error.code === 'secret_undecryptable')) ||
  error instanceof UrlRefusedError;

/** A 401 on the shared connection names user "default"; the caller should read about themselves. */
export function forUser(error: AppError, target: OAuthTarget, username: string): AppError {
  if (error.code !== 'reauth_required' || error.details.username === username) return error;
  return reauthRequired(
    target,
    username,
    'the server requires authorization and no OAuth tokens are stored for this user',
  );
}
