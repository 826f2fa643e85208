/** Small statistics helpers for the benchmarks. Latencies are in milliseconds. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

export interface LoadResult {
  readonly concurrency: number;
  readonly calls: number;
  readonly p50: number;
  readonly p99: number;
  readonly throughput: number;
}

/**
 * Runs `calls` invocations of `once` with `concurrency` workers after `warmup` unmeasured calls;
 * every call is timed with hrtime. Any failed call aborts the run: a benchmark of errors is meaningless.
 */
export async function runLoad(
  once: () => Promise<void>,
  concurrency: number,
  calls: number,
  warmup = 200,
): Promise<LoadResult> {
  for (let i = 0; i < warmup; i++) await once();
  const latencies: number[] = new Array(calls);
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= calls) return;
      const t0 = process.hrtime.bigint();
      await once();
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    calls,
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    throughput: round(calls / seconds, 0),
  };
}
