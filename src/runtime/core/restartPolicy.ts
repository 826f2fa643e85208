/**
 * Restart timing for supervised servers, kept pure (time is a parameter) so the supervisor's
 * decisions can be tested without clocks or processes.
 */
export interface RestartPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** This many crashes inside `breakerWindowMs` stop further restarts. */
  breakerThreshold: number;
  breakerWindowMs: number;
  /**
   * How long an open breaker waits before one trial run (half-open); a trial that does not stay up
   * for `breakerWindowMs` opens it again at once. Absent: it stays open until an admin acts.
   */
  breakerCooldownMs?: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  breakerThreshold: 5,
  breakerWindowMs: 60_000,
});

/**
 * Delay before restart number `attempt` (0 = first restart after a healthy run).
 * Exponential in `attempt`, capped at `maxDelayMs`; never negative, never NaN.
 */
export function backoffDelay(policy: RestartPolicy, attempt: number): number {
  const initial = Math.max(0, policy.initialDelayMs);
  const cap = Math.max(initial, policy.maxDelayMs);
  const n = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt)) : 0;
  const factor = Number.isFinite(policy.factor) && policy.factor >= 1 ? policy.factor : 1;
  const raw = initial * Math.pow(factor, n);
  return Number.isFinite(raw) ? Math.min(cap, Math.round(raw)) : cap;
}

export interface CrashVerdict {
  /** Crash times still inside the window, oldest first, including this one. */
  history: number[];
  /** True when the crash-loop breaker opened: do not restart. */
  tripped: boolean;
}

/** Adds a crash at `nowMs`, forgets crashes older than the window, and decides whether to give up. */
export function recordCrash(history: readonly number[], nowMs: number, policy: RestartPolicy): CrashVerdict {
  const since = nowMs - policy.breakerWindowMs;
  const kept = history.filter((t) => t > since && t <= nowMs);
  kept.push(nowMs);
  return { history: kept, tripped: kept.length >= Math.max(1, policy.breakerThreshold) };
}

/** What the supervisor remembers between crashes. */
export interface CrashState {
  history: readonly number[];
  /** Consecutive failed runs: the backoff exponent. */
  attempt: number;
  /** The current run is the breaker's trial after its cool-down. */
  halfOpen?: boolean;
}

export type CrashDecision =
  | { action: 'restart'; delayMs: number; state: CrashState }
  | {
      action: 'give-up';
      failures: number;
      state: CrashState;
      /** When to try once more (half-open), if the policy has a cool-down. */ retryAfterMs?: number;
    };

/**
 * The supervisor's whole decision after a run ended: give up (breaker tripped) or restart after
 * a backoff. `upSinceMs` is when the run connected, if it did; a run that outlived the breaker
 * window counts as healthy, so the backoff starts over.
 */
export function decideAfterCrash(
  state: CrashState,
  nowMs: number,
  upSinceMs: number | undefined,
  policy: RestartPolicy,
): CrashDecision {
  const healthy = upSinceMs !== undefined && nowMs - upSinceMs >= policy.breakerWindowMs;
  const attempt = healthy ? 0 : state.attempt;
  const verdict = recordCrash(state.history, nowMs, policy);
  const retry = policy.breakerCooldownMs === undefined ? {} : { retryAfterMs: policy.breakerCooldownMs };
  // A failed half-open trial re-opens the breaker at once, whatever the count in the window.
  if (verdict.tripped || (state.halfOpen && !healthy)) {
    return {
      action: 'give-up',
      failures: verdict.history.length,
      state: { history: verdict.history, attempt },
      ...retry,
    };
  }
  return {
    action: 'restart',
    delayMs: backoffDelay(policy, attempt),
    state: { history: verdict.history, attempt: attempt + 1 },
  };
}

/** The state for the breaker's trial run after its cool-down. */
export const halfOpen = (state: CrashState): CrashState => ({ ...state, halfOpen: true });

/** What a server's status says when the breaker opens: the failures, the last reason, when it tries again. */
export function crashLoopMessage(
  failures: number,
  windowMs: number,
  reason: string,
  retryAfterMs: number | undefined,
): string {
  const next =
    retryAfterMs === undefined
      ? 'not restarting. Update or re-enable the server to retry.'
      : `one trial run in ${retryAfterMs} ms (or update or re-enable the server).`;
  return `Crash loop: ${failures} failures within ${windowMs} ms (last: ${reason}); ${next}`;
}
