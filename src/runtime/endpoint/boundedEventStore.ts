import { randomBytes } from 'node:crypto';
import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';

interface StoredEvent {
  readonly seq: number;
  readonly streamId: string;
  readonly message: JSONRPCMessage;
  readonly bytes: number;
}

const EVENT_ID = /^([0-9a-f]{8})\.(\d{1,15})\.(.{1,200})$/s;

/**
 * One session's recent SSE events, so a client whose stream broke can resume with Last-Event-ID.
 * Bounded by count and by bytes (tool results can be large): the oldest events go first, and a
 * client that fell further behind than that gets nothing replayed rather than unbounded memory.
 * An event id names its stream (`<epoch>.<seq>.<stream>`): an id this store does not hold (forgotten,
 * or seen before the gateway restarted and rebuilt the session) still resumes its stream, with
 * nothing replayed, so a client's GET stream comes back after a restart instead of failing.
 */
export class BoundedEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private bytes = 0;
  private seq = 0;

  constructor(
    private readonly maxEvents = 256,
    private readonly maxBytes = 4 * 1024 * 1024,
    /** Tells this store's ids from those of an earlier one of the same session. */
    private readonly epoch = randomBytes(4).toString('hex'),
  ) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const event = { seq: ++this.seq, streamId, message, bytes: JSON.stringify(message).length };
    this.events.push(event);
    this.bytes += event.bytes;
    while (this.events.length > this.maxEvents || (this.bytes > this.maxBytes && this.events.length > 1)) {
      this.bytes -= (this.events.shift() as StoredEvent).bytes;
    }
    return `${this.epoch}.${event.seq}.${streamId}`;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return EVENT_ID.exec(eventId)?.[3];
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const parsed = EVENT_ID.exec(lastEventId);
    if (!parsed) return '';
    const streamId = parsed[3] as string;
    const last = parsed[1] === this.epoch ? this.find(Number(parsed[2]), streamId) : undefined;
    if (!last) return streamId;
    for (const e of this.events) {
      if (e.seq > last.seq && e.streamId === streamId)
        await send(`${this.epoch}.${e.seq}.${e.streamId}`, e.message);
    }
    return streamId;
  }

  private find(seq: number, streamId: string): StoredEvent | undefined {
    return this.events.find((e) => e.seq === seq && e.streamId === streamId);
  }
}
