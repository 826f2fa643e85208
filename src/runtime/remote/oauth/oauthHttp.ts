import type { FetchLike } from '@modelcontextprotocol/client';

/** Tokens an authorization server granted (a code exchange or a refresh), in the gateway's names. */
export interface GrantedTokens {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly refreshToken?: string | undefined;
  readonly expiresIn?: number | undefined;
  readonly scope?: string | undefined;
}

/** An OAuth token response as the SDK and openid-client hand it over. */
interface TokenResponse {
  readonly access_token: string;
  readonly token_type?: string | undefined;
  readonly refresh_token?: string | undefined;
  readonly expires_in?: number | undefined;
  readonly scope?: string | undefined;
}

export const grantedTokens = (tokens: TokenResponse): GrantedTokens => ({
  accessToken: tokens.access_token,
  tokenType: tokens.token_type || 'Bearer',
  refreshToken: tokens.refresh_token,
  expiresIn: tokens.expires_in,
  scope: tokens.scope,
});

/** `fetch` with a deadline on every request, added to the caller's own signal if it has one. */
export function withDeadline(fetch: FetchLike, timeoutMs: number): FetchLike {
  return (url, init = {}) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    return fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
  };
}

/** An authorization server's failure in one bounded line: the message and its cause's. */
export function describeOAuthError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? ` (${cause.message})` : '';
    return `${error.message || error.name}${detail}`.slice(0, 300);
  }
  return String(error).slice(0, 300);
}
