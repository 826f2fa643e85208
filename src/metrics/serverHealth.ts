/** Calls, errors and latency of one server since the gateway started (GET /health/servers). */
export interface ServerHealth {
  readonly server: string;
  readonly calls: number;
  readonly errors: number;
  /** Estimated from the latency histogram's buckets, in milliseconds; null before any call. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

interface Sample {
  readonly value: number;
  readonly labels: Partial<Record<string, string | number>>;
  readonly metricName?: string;
}

/**
 * The quantile as Prometheus' histogram_quantile estimates it: linear inside the bucket the rank
 * falls in; the open-ended last bucket answers its lower bound.
 */
export function bucketQuantile(
  q: number,
  buckets: ReadonlyArray<{ le: number; count: number }>,
): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return lower;
      const inBucket = b.count - below;
      return inBucket === 0 ? b.le : lower + ((b.le - lower) * (rank - below)) / inBucket;
    }
    [lower, below] = [b.le, b.count];
  }
  return lower;
}

/** Folds the calls counter (by server and outcome) and the latency histogram (by server) per server. */
export function summarize(calls: readonly Sample[], seconds: readonly Sample[]): ServerHealth[] {
  const counts = new Map<string, { calls: number; errors: number }>();
  for (const s of calls) {
    const server = String(s.labels.server ?? '');
    const c = counts.get(server) ?? { calls: 0, errors: 0 };
    c.calls += s.value;
    if (s.labels.outcome !== 'ok') c.errors += s.value;
    counts.set(server, c);
  }
  const buckets = new Map<string, Array<{ le: number; count: number }>>();
  for (const s of seconds) {
    if (!s.metricName?.endsWith('_bucket')) continue;
    const server = String(s.labels.server ?? '');
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    buckets.set(server, [...(buckets.get(server) ?? []), { le, count: s.value }]);
  }
  const ms = (v: number | null): number | null => (v === null ? null : Math.round(v * 1e4) / 10);
  return [...counts]
    .map(([server, c]) => ({
      server,
      ...c,
      p50Ms: ms(bucketQuantile(0.5, buckets.get(server) ?? [])),
      p95Ms: ms(bucketQuantile(0.95, buckets.get(server) ?? [])),
    }))
    .sort((a, b) => a.server.localeCompare(b.server));
}
