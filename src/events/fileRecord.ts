import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { RecordedEvent } from './eventStore.js';
import { toRecordedEvent } from './recordEvents.js';

/**
 * One record of the file event log, one line per event:
 *
 *   <crc32 of json, 8 lowercase hex digits> <json>\n
 *   json = {"chain":"<64 hex>","batchEnd":N,"prev":[segment,offset,length]|null,"position":…,"streamId":…,…}
 *
 * - `batchEnd`: position of the last event of the append() the record belongs to, so a reader
 *   knows whether a batch is complete (a batch whose last record never reached the disk is dropped whole).
 * - `prev`: where the previous record of the same stream is, so one stream is read from disk by
 *   walking back from its last record; memory holds only each stream's last address.
 * - `chain`: sha256(previous record's chain ‖ body), body being the json without the chain field:
 *   editing, deleting, reordering or inserting any record breaks the chain from there on.
 *
 * Records written before segments and chains existed ("legacy": no chain, no prev) are read too;
 * the writer upgrades such a log once (fileLogUpgrade.ts).
 */

export interface RecordAddress {
  readonly segment: number;
  readonly offset: number;
  /** Bytes including the newline. */
  readonly length: number;
}

export interface DecodedRecord {
  readonly event: RecordedEvent;
  readonly batchEnd: number;
  /** Absent for a legacy record. */
  readonly chain?: string;
  readonly prev?: RecordAddress | null;
  /** The bytes the chain hash covers (empty for a legacy record). */
  readonly body: string;
}

export const GENESIS_CHAIN = '0'.repeat(64);
const CHAIN_PREFIX = '{"chain":"';
const CHAIN_FIELD_LENGTH = CHAIN_PREFIX.length + 64 + 2;
const CRC_HEX = /^[0-9a-f]{8} $/;

export function chainHash(previous: string, body: string): string {
  return createHash('sha256').update(previous, 'hex').update(body, 'utf8').digest('hex');
}

export interface EncodedRecord {
  readonly line: string;
  readonly chain: string;
}

/** Encodes one event (its JSON from `recordEvents`, which starts with `{"position"`) as a log line. */
export function encodeRecord(
  json: string,
  batchEnd: number,
  prev: RecordAddress | null,
  previousChain: string,
): EncodedRecord {
  const prevJson = prev ? `[${prev.segment},${prev.offset},${prev.length}]` : 'null';
  const body = `{"batchEnd":${batchEnd},"prev":${prevJson},${json.slice(1)}`;
  const chain = chainHash(previousChain, body);
  const record = `${CHAIN_PREFIX}${chain}",${body.slice(1)}`;
  return { line: `${crc32(record).toString(16).padStart(8, '0')} ${record}\n`, chain };
}

/** Decodes one line (without its newline); undefined when it is damaged in any way. */
export function decodeRecord(line: Buffer): DecodedRecord | undefined {
  if (line.length < 10 || !CRC_HEX.test(line.toString('latin1', 0, 9))) return undefined;
  const payload = line.subarray(9);
  if (crc32(payload) !== Number.parseInt(line.toString('latin1', 0, 8), 16)) return undefined;
  const text = payload.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const fields = parsed as { batchEnd?: unknown; chain?: unknown; prev?: unknown } | null;
  const event = toRecordedEvent(parsed);
  const batchEnd = fields?.batchEnd;
  if (!event || typeof batchEnd !== 'number' || !Number.isInteger(batchEnd)) return undefined;
  if (fields?.chain === undefined) return { event, batchEnd, body: '' };
  if (
    typeof fields.chain !== 'string' ||
    !text.startsWith(CHAIN_PREFIX) ||
    text.slice(CHAIN_FIELD_LENGTH - 2, CHAIN_FIELD_LENGTH) !== '",'
  ) {
    return undefined;
  }
  const prev = toAddress(fields.prev);
  if (prev === undefined) return undefined;
  return { event, batchEnd, chain: fields.chain, prev, body: `{${text.slice(CHAIN_FIELD_LENGTH)}` };
}

function toAddress(value: unknown): RecordAddress | null | undefined {
  if (value === null) return null;
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    !value.every((n) => Number.isInteger(n) && (n as number) >= 0)
  )
    return undefined;
  const [segment, offset, length] = value as [number, number, number];
  return { segment, offset, length };
}

/** Turns a legacy record (a line of the old single-file log) into the body of a chained one. */
export function legacyEventJson(record: DecodedRecord): string {
  return JSON.stringify({
    position: record.event.position,
    streamId: record.event.streamId,
    version: record.event.version,
    type: record.event.type,
    data: record.event.data,
    metadata: record.event.metadata,
  });
}
