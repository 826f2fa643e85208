import { ConcurrencyError, type ExpectedVersion, type NewEvent, type RecordedEvent } from './eventStore.js';

/**
 * Shared by every adapter: the expected-version rule and the one way a `NewEvent` becomes an
 * immutable `RecordedEvent`.
 */

export function assertExpectedVersion(streamId: string, expected: ExpectedVersion, actual: number): void {
  if (expected === 'any') return;
  if (!Number.isInteger(expected) || expected < 0) {
    throw new TypeError(`Expected version must be 'any' or an integer >= 0, got ${String(expected)}`);
  }
  if (expected !== actual) throw new ConcurrencyError(streamId, expected, actual);
}

export function assertStreamId(streamId: string): void {
  if (typeof streamId !== 'string' || streamId.length === 0)
    throw new TypeError('streamId must be a non-empty string');
}

export interface EncodedEvent {
  readonly event: RecordedEvent;
  /** The exact JSON the event was frozen from, so a log can store it without serializing twice. */
  readonly json: string;
}

/**
 * Round-trips through JSON so a live event is exactly what a reader of the log gets back after a
 * restart (no Dates, undefined or class instances surviving in memory only), and freezes it so no
 * caller can change the store's state through a returned reference.
 */
export function recordEvents(
  streamId: string,
  events: readonly NewEvent[],
  firstVersion: number,
  firstPosition: number,
): EncodedEvent[] {
  return events.map((e, i) => {
    const json = JSON.stringify({
      position: firstPosition + i,
      streamId,
      version: firstVersion + i,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
    });
    const event = toRecordedEvent(JSON.parse(json) as unknown);
    // Anything accepted here must also pass decoding at open, or one bad append would brick the log.
    if (!event)
      throw new TypeError(`Event ${i} for stream ${streamId} needs a type string and data/metadata objects`);
    return { event, json };
  });
}

/** Validates a parsed record and returns a frozen event with exactly the port's fields. */
export function toRecordedEvent(value: unknown): RecordedEvent | undefined {
  if (!isObject(value)) return undefined;
  const { position, streamId, version, type, data, metadata } = value;
  if (!isPositiveInteger(position) || !isPositiveInteger(version)) return undefined;
  if (typeof streamId !== 'string' || streamId.length === 0) return undefined;
  if (typeof type !== 'string' || type.length === 0) return undefined;
  if (!isObject(data) || !isObject(metadata)) return undefined;
  const event = { position, streamId, version, type, data, metadata } as unknown as RecordedEvent;
  return deepFreeze(event);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
