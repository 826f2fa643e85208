import { randomUUID } from 'node:crypto';
import type { Flight } from './flight.js';

interface Parked {
  readonly flight: Flight;
  readonly username: string;
  readonly tool: string;
  readonly timer: NodeJS.Timeout;
}

/** How long a client may take to answer an input_required round before the upstream call is cancelled. */
const DEFAULT_TTL_MS = 10 * 60_000;
/** Each parked call holds an upstream call open: a user may have this many at once. */
const DEFAULT_MAX_PER_USER = 16;

/**
 * Upstream calls waiting for a 2026-07-28 client's next round: a legacy upstream asked the client
 * something mid-call, so the client got `input_required` and the call stays open here until its
 * retry brings the answer. The requestState handed out is a random id, valid once, only for the
 * same user and tool, and only on this gateway instance (a retry elsewhere reaches the upstream
 * as an unknown state, which it refuses).
 */
export class ParkedCalls {
  private readonly entries = new Map<string, Parked>();

  constructor(
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly maxPerUser = DEFAULT_MAX_PER_USER,
  ) {}

  /** The requestState for the client's retry, or undefined when the user has too many calls waiting. */
  park(flight: Flight, username: string, tool: string): string | undefined {
    let waiting = 0;
    for (const entry of this.entries.values()) if (entry.username === username) waiting += 1;
    if (waiting >= this.maxPerUser) return undefined;
    const id = `mcp-api-park-${randomUUID()}`;
    const timer = setTimeout(() => {
      this.entries.delete(id);
      flight.cancel('the client did not answer the input request in time');
    }, this.ttlMs);
    timer.unref();
    this.entries.set(id, { flight, username, tool, timer });
    return id;
  }

  /** The parked call this retry continues, if the state is one of ours and belongs to this user and tool. */
  take(state: string, username: string, tool: string): Flight | undefined {
    const entry = this.entries.get(state);
    if (!entry || entry.username !== username || entry.tool !== tool) return undefined;
    this.entries.delete(state);
    clearTimeout(entry.timer);
    return entry.flight;
  }

  close(): void {
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.flight.cancel('the gateway is shutting down');
    }
    this.entries.clear();
  }
}
