import { createRateLimiter } from './rateLimiter.js';

/**
 * Failed authentications per source address: each failure takes a token; a source out of tokens
 * is refused (429) without its token being checked, until its bucket refills. Successful requests
 * cost nothing. In memory, per instance.
 */
export interface AuthThrottle {
  /** Milliseconds this source must still wait, or 0. */
  blockedFor(source: string): number;
  failed(source: string): void;
}

export function createAuthThrottle(options: {
  perMinute: number;
  burst: number;
  clock: () => Date;
}): AuthThrottle {
  const limiter = createRateLimiter(options);
  const blocked = new Map<string, number>();
  const now = (): number => options.clock().getTime();
  return {
    blockedFor(source) {
      const until = blocked.get(source);
      if (until === undefined) return 0;
      if (until <= now()) {
        blocked.delete(source);
        return 0;
      }
      return until - now();
    },
    failed(source) {
      const taken = limiter.take(source);
      if (taken.ok) return;
      if (blocked.size >= 10_000) blocked.clear();
      blocked.set(source, now() + taken.retryAfterMs);
    },
  };
}
