/**
 * Typed errors. Every failure the gateway expects carries a stable `code` and an HTTP status;
 * the one error middleware in src/http maps them. Anything else is a bug and becomes a 500.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'payload_too_large'
  | 'unauthorized'
  | 'reauth_required'
  | 'forbidden'
  | 'server_not_found'
  | 'tool_not_found'
  | 'resource_not_found'
  | 'prompt_not_found'
  | 'secret_not_found'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'server_already_exists'
  | 'server_disabled'
  | 'concurrency_conflict'
  | 'duplicate_event'
  | 'invalid_arguments'
  | 'server_unavailable'
  | 'upstream_error'
  | 'upstream_crashed'
  | 'upstream_timeout'
  | 'result_too_large'
  | 'client_closed_request'
  | 'store_unavailable'
  | 'storage_full'
  | 'secret_undecryptable'
  | 'too_many_processes'
  | 'package_not_found'
  | 'package_already_installed'
  | 'package_busy'
  | 'package_install_failed'
  | 'package_install_timeout'
  | 'package_engine_unsupported'
  | 'token_not_found'
  | 'invalid_oauth_state'
  | 'oauth_not_configured'
  | 'rate_limited'
  | 'limit_exceeded'
  | 'secret_too_large'
  | 'access_denied'
  | 'user_not_found'
  | 'client_not_found'
  | 'tool_pending_approval'
  | 'tool_change_not_found'
  | 'tool_change_conflict'
  | 'internal_error';

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_json: 400,
  payload_too_large: 413,
  unauthorized: 401,
  /** Upstream OAuth tokens are missing, dead or could not be refreshed: the user must re-run the OAuth flow. */
  reauth_required: 401,
  forbidden: 403,
  server_not_found: 404,
  tool_not_found: 404,
  /** The tool appeared or changed since it was pinned: held back until an admin approves it (issue 14). */
  tool_pending_approval: 409,
  tool_change_not_found: 404,
  /** The held version is not the one the admin approved or rejected (it changed again meanwhile). */
  tool_change_conflict: 409,
  resource_not_found: 404,
  prompt_not_found: 404,
  secret_not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  server_already_exists: 409,
  server_disabled: 409,
  concurrency_conflict: 409,
  duplicate_event: 409,
  invalid_arguments: 400,
  server_unavailable: 503,
  upstream_error: 502,
  upstream_crashed: 502,
  upstream_timeout: 504,
  /** An upstream answered with a message over the size limit; the server keeps running. */
  result_too_large: 502,
  client_closed_request: 499,
  store_unavailable: 503,
  /** The disk (or quota) holding the data is full: 507 Insufficient Storage. */
  storage_full: 507,
  secret_undecryptable: 500,
  too_many_processes: 429,
  package_not_found: 404,
  package_already_installed: 409,
  package_busy: 409,
  package_install_failed: 502,
  package_install_timeout: 504,
  /** The package's engines.node excludes the Node the gateway runs. */
  package_engine_unsupported: 422,
  token_not_found: 404,
  invalid_oauth_state: 400,
  oauth_not_configured: 503,
  rate_limited: 429,
  limit_exceeded: 409,
  secret_too_large: 413,
  /** The access policy does not let this user see or use this item. */
  access_denied: 403,
  user_not_found: 404,
  client_not_found: 404,
  internal_error: 500,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra, safe-to-show fields merged into the error body (never secret values). */
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.status = STATUS[code];
    this.details = details;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const notFound = (serverName: string): AppError =>
  new AppError('server_not_found', `Server with name ${serverName} not found`, { serverName });

/** ENOSPC/EDQUOT: a full disk or quota, whichever store hit it. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
