/**
 * Token buckets per key (a username): `perMinute` sustained, `burst` at once. In memory, per
 * gateway instance. Full buckets are dropped when the map grows, so idle users cost nothing.
 */
export interface RateLimiter {
  /** Takes one token; when none is left, says how long until one is. */
  take(key: string): { ok: true } | { ok: false; retryAfterMs: number };
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(options: {
  perMinute: number;
  burst: number;
  clock: () => Date;
  maxKeys?: number;
}): RateLimiter {
  const { perMinute, burst, clock } = options;
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, Bucket>();
  const perMs = perMinute / 60_000;

  const refill = (b: Bucket, now: number): void => {
    b.tokens = Math.min(burst, b.tokens + (now - b.at) * perMs);
    b.at = now;
  };

  return {
    take(key) {
      if (perMinute <= 0) return { ok: true };
      const now = clock().getTime();
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= maxKeys) {
          for (const [k, b] of buckets) {
            refill(b, now);
            if (b.tokens >= burst) buckets.delete(k);
          }
        }
        bucket = { tokens: burst, at: now };
        buckets.set(key, bucket);
      }
      refill(bucket, now);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / perMs) };
    },
  };
}
