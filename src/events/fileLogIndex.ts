import { GENESIS_CHAIN, type RecordAddress } from './fileRecord.js';

/** What the store remembers of one stream: enough to check an expected version and walk the stream back from disk. */
export interface StreamTip {
  readonly version: number;
  readonly lastPosition: number;
  readonly last: RecordAddress;
}

/** Where position `position` starts on disk. */
export interface SparseEntry {
  readonly position: number;
  readonly segment: number;
  readonly offset: number;
}

/** Every this many positions (and at each segment's first record) the index keeps a disk address. */
export const SPARSE_EVERY = 1024;

export interface LogEnd {
  readonly segment: number;
  /** Bytes of `segment` that belong to committed batches. */
  readonly size: number;
}

/**
 * The file store's in-memory index of the committed log: the head, the chain hash at the head, the
 * end of the committed bytes, each stream's tip and a sparse position → address table. It grows
 * with the number of streams and with 1/1024 of the events, never with the events' bytes.
 */
export class LogIndex {
  head = 0;
  chain = GENESIS_CHAIN;
  end: LogEnd = { segment: 0, size: 0 };
  /** Records without a chain (written before chains existed) at the start of the log. */
  legacyRecords = 0;
  readonly streams = new Map<string, StreamTip>();
  readonly sparse: SparseEntry[] = [];

  version(streamId: string): number {
    return this.streams.get(streamId)?.version ?? 0;
  }

  lastPosition(streamId: string): number {
    return this.streams.get(streamId)?.lastPosition ?? 0;
  }

  /** Records one committed event; the caller has checked its sequence. */
  commit(
    position: number,
    streamId: string,
    version: number,
    address: RecordAddress,
    chain: string | undefined,
  ): void {
    this.head = position;
    if (chain === undefined) this.legacyRecords++;
    else this.chain = chain;
    this.streams.set(streamId, { version, lastPosition: position, last: address });
    const last = this.sparse.at(-1);
    if ((position - 1) % SPARSE_EVERY === 0 || !last || last.segment !== address.segment) {
      this.sparse.push({ position, segment: address.segment, offset: address.offset });
    }
    this.end = { segment: address.segment, size: address.offset + address.length };
  }

  /** The nearest indexed address at or before `position` (the log's start when none). */
  locate(position: number): SparseEntry {
    let low = 0;
    let high = this.sparse.length - 1;
    let found: SparseEntry | undefined;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const entry = this.sparse[mid] as SparseEntry;
      if (entry.position <= position) {
        found = entry;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found ?? { position: 1, segment: this.sparse[0]?.segment ?? 0, offset: 0 };
  }

  toJSON(): IndexJson {
    return {
      head: this.head,
      chain: this.chain,
      end: [this.end.segment, this.end.size],
      legacyRecords: this.legacyRecords,
      streams: [...this.streams].map(([id, t]) => [
        id,
        t.version,
        t.lastPosition,
        t.last.segment,
        t.last.offset,
        t.last.length,
      ]),
      sparse: this.sparse.map((s) => [s.position, s.segment, s.offset]),
    };
  }

  static fromJSON(json: IndexJson): LogIndex {
    const index = new LogIndex();
    index.head = json.head;
    index.chain = json.chain;
    index.end = { segment: json.end[0], size: json.end[1] };
    index.legacyRecords = json.legacyRecords;
    for (const [id, version, lastPosition, segment, offset, length] of json.streams) {
      index.streams.set(id, { version, lastPosition, last: { segment, offset, length } });
    }
    for (const [position, segment, offset] of json.sparse) index.sparse.push({ position, segment, offset });
    return index;
  }
}

export interface IndexJson {
  readonly head: number;
  readonly chain: string;
  readonly end: readonly [number, number];
  readonly legacyRecords: number;
  readonly streams: ReadonlyArray<readonly [string, number, number, number, number, number]>;
  readonly sparse: ReadonlyArray<readonly [number, number, number]>;
}
