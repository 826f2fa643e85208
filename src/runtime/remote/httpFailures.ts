import { SdkError, SdkErrorCode, SdkHttpError, SseError } from '@modelcontextprotocol/client';
import { isAppError } from '../../errors.js';
import { UrlRefusedError } from '../../net/urlSafety.js';

/** The resumed session is unknown to the server (HTTP 404): clear it and initialize afresh. */
export class SessionExpiredError extends Error {
  constructor() {
    super('the MCP session is no longer known to the server (HTTP 404)');
    this.name = 'SessionExpiredError';
  }
}

/** HTTP status of a transport failure, if it was one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (SdkHttpError.isInstance(error) && typeof error.status === 'number' && error.status > 0)
    return error.status;
  if (SseError.isInstance(error) && typeof error.code === 'number' && error.code > 0) return error.code;
  const match = error instanceof Error ? /\(HTTP (\d{3})\)/.exec(error.message) : null;
  return match?.[1] ? Number(match[1]) : undefined;
}

/** A failure as one line for status and logs: the HTTP status first when there was one. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const status = httpStatusOf(error);
  return (
    status !== undefined && !message.includes(String(status)) ? `HTTP ${status}: ${message}` : message
  ).slice(0, 300);
}

/** Initialization answers meaning "not a Streamable HTTP endpoint": try the legacy SSE transport. */
export function fallsBackToSse(error: unknown): boolean {
  if (error instanceof KnownSseOnly) return true;
  if (isAppError(error) || error instanceof UrlRefusedError) return false;
  if (SdkError.isInstance(error) && error.code === SdkErrorCode.ClientHttpUnexpectedContent) return true;
  const status = httpStatusOf(error);
  return status === 400 || status === 404 || status === 405;
}

/** The remembered negotiation says SSE: skip the Streamable HTTP attempt. */
export class KnownSseOnly extends Error {}
