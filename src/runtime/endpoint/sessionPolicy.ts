/**
 * When legacy /mcp sessions are closed, as pure functions of time (tested without a server).
 * A session is protected while a stream of it is open here or it was used within `protectMs`;
 * it expires after `idleTimeoutMs` without use. Use is recorded in the shared store at most every
 * `markEveryMs`, so every instance sees a session another instance serves as recently used.
 */
export interface SessionTimings {
  readonly maxPerUser: number;
  readonly idleTimeoutMs: number;
  /** Never evicted within this long after its last use: min(60 s, idle timeout). */
  readonly protectMs: number;
  /**
   * Activity is re-recorded when the recorded mark is older than this (protectMs / 2), and the
   * sweep runs this often: another instance never sees a used session as unused for protectMs.
   */
  readonly markEveryMs: number;
}

export function sessionTimings(maxPerUser: number, idleTimeoutMs: number): SessionTimings {
  const protectMs = Math.min(60_000, idleTimeoutMs);
  return { maxPerUser, idleTimeoutMs, protectMs, markEveryMs: Math.max(1, Math.floor(protectMs / 2)) };
}

export interface SessionUse {
  readonly key: string;
  readonly openedAtMs: number;
  /** The latest use known here: recorded in the store or seen by this instance. */
  readonly lastActiveAtMs: number;
  /** Requests or streams of it open on this instance. */
  readonly openHere: number;
}

export const isProtected = (s: SessionUse, nowMs: number, t: SessionTimings): boolean =>
  s.openHere > 0 || nowMs - s.lastActiveAtMs < t.protectMs;

export const isExpired = (s: SessionUse, nowMs: number, t: SessionTimings): boolean =>
  s.openHere === 0 && nowMs - s.lastActiveAtMs >= t.idleTimeoutMs;

/** Never used after `initialize` (a client that opened a session and walked away). */
const abandoned = (s: SessionUse): boolean => s.lastActiveAtMs <= s.openedAtMs;

/**
 * Which of a user's sessions to close so one more fits under the cap: abandoned ones first, then
 * the least recently used; never a protected one. `undefined` when even that cannot make room.
 */
export function evictionsFor(
  sessions: readonly SessionUse[],
  nowMs: number,
  t: SessionTimings,
): string[] | undefined {
  const excess = sessions.length - t.maxPerUser + 1;
  if (excess <= 0) return [];
  const candidates = sessions
    .filter((s) => !isProtected(s, nowMs, t))
    .sort((a, b) => Number(abandoned(b)) - Number(abandoned(a)) || a.lastActiveAtMs - b.lastActiveAtMs);
  if (candidates.length < excess) return undefined;
  return candidates.slice(0, excess).map((s) => s.key);
}

export const needsMark = (recordedAtMs: number, nowMs: number, t: SessionTimings): boolean =>
  nowMs - recordedAtMs >= t.markEveryMs;
