import type { EventStore, RecordedEvent } from './eventStore.js';

/** What auditors filter the log by (CLI `events`, GET /events). All bounds are inclusive. */
export interface EventFilter {
  readonly streamId?: string;
  readonly types?: readonly string[];
  readonly fromPosition?: number;
  readonly toPosition?: number;
  /** ISO-8601 times compared with each event's `occurredAt`. */
  readonly since?: string;
  readonly until?: string;
}

export function matchesFilter(event: RecordedEvent, filter: EventFilter): boolean {
  if (filter.streamId !== undefined && event.streamId !== filter.streamId) return false;
  if (filter.types && filter.types.length > 0 && !filter.types.includes(event.type)) return false;
  if (filter.fromPosition !== undefined && event.position < filter.fromPosition) return false;
  if (filter.toPosition !== undefined && event.position > filter.toPosition) return false;
  if (filter.since !== undefined || filter.until !== undefined) {
    const at = Date.parse(event.metadata.occurredAt);
    if (filter.since !== undefined && !(at >= Date.parse(filter.since))) return false;
    if (filter.until !== undefined && !(at <= Date.parse(filter.until))) return false;
  }
  return true;
}

export interface EventPage {
  readonly events: RecordedEvent[];
  /** Where the next page starts (pass as fromPosition), or null when the filtered range is exhausted. */
  readonly nextFrom: number | null;
}

const PAGE = 1000;

/**
 * One page of matching events. A stream filter reads just that stream; otherwise the log is read
 * in position order from `fromPosition`. At most `scanBudget` events are examined per page, so a
 * rare match cannot make one request read the whole log: the page may then come back short with
 * a `nextFrom` to continue from.
 */
export async function queryEvents(
  store: EventStore,
  filter: EventFilter,
  limit: number,
  scanBudget = 20_000,
): Promise<EventPage> {
  const from = Math.max(1, filter.fromPosition ?? 1);
  if (filter.streamId !== undefined) {
    const matching = (await store.readStream(filter.streamId)).filter(
      (e) => e.position >= from && matchesFilter(e, filter),
    );
    const events = matching.slice(0, limit);
    return {
      events,
      nextFrom: matching.length > limit ? (events.at(-1) as RecordedEvent).position + 1 : null,
    };
  }
  const events: RecordedEvent[] = [];
  let position = from;
  let scanned = 0;
  for (;;) {
    if (filter.toPosition !== undefined && position > filter.toPosition) return { events, nextFrom: null };
    const page = await store.readAll(position, PAGE);
    if (page.length === 0) return { events, nextFrom: null };
    for (const event of page) {
      scanned++;
      position = event.position + 1;
      if (filter.toPosition !== undefined && event.position > filter.toPosition)
        return { events, nextFrom: null };
      if (matchesFilter(event, filter)) events.push(event);
      if (events.length >= limit || scanned >= scanBudget) return { events, nextFrom: position };
    }
  }
}

/** Every matching event, page by page (CLI export and list). */
export async function* scanEvents(store: EventStore, filter: EventFilter): AsyncGenerator<RecordedEvent> {
  let from: number | null = filter.fromPosition ?? 1;
  while (from !== null) {
    const page: EventPage = await queryEvents(store, { ...filter, fromPosition: from }, PAGE);
    yield* page.events;
    from = page.nextFrom;
  }
}
