import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';

interface StoredEvent {
  readonly seq: number;
  readonly streamId: string;
  readonly message: JSONRPCMessage;
  readonly bytes: number;
}

/**
 * One session's recent SSE events, so a client whose stream broke can resume with Last-Event-ID.
 * Bounded by count and by bytes (tool results can be large): the oldest events go first, and a
 * client that fell further behind than that gets nothing replayed rather than unbounded memory.
 */
export class BoundedEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private bytes = 0;
  private seq = 0;

  constructor(
    private readonly maxEvents = 256,
    private readonly maxBytes = 4 * 1024 * 1024,
  ) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const event = { seq: ++this.seq, streamId, message, bytes: JSON.stringify(message).length };
    this.events.push(event);
    this.bytes += event.bytes;
    while (this.events.length > this.maxEvents || (this.bytes > this.maxBytes && this.events.length > 1)) {
      this.bytes -= (this.events.shift() as StoredEvent).bytes;
    }
    return String(event.seq);
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.find(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const last = this.find(lastEventId);
    if (!last) return '';
    for (const e of this.events) {
      if (e.seq > last.seq && e.streamId === last.streamId) await send(String(e.seq), e.message);
    }
    return last.streamId;
  }

  private find(eventId: string): StoredEvent | undefined {
    const seq = Number(eventId);
    return Number.isInteger(seq) ? this.events.find((e) => e.seq === seq) : undefined;
  }
}
