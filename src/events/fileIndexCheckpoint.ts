import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { LogIndex, type IndexJson } from './fileLogIndex.js';
import { decodeRecord } from './fileRecord.js';
import { readAt, segmentFile } from './fileSegments.js';
import { syncDir } from './syncDir.js';

/**
 * The store's own checkpoint, `events.index.json`: the index as of some committed batch. Opening
 * loads it and scans only what was written after it, so start-up work is proportional to the
 * events since the last checkpoint. It is a cache of what the log says, never the truth: an
 * unreadable or mismatched checkpoint means a full scan, except that a log *shorter* than its
 * checkpoint refuses to open (see fileEventStore.ts).
 */
export const INDEX_FILE = 'events.index.json';
const FORMAT = 'mcp-api/event-index/1';

const Json = z.object({
  format: z.literal(FORMAT),
  index: z.object({
    head: z.number().int().nonnegative(),
    chain: z.string().regex(/^[0-9a-f]{64}$/),
    end: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
    legacyRecords: z.number().int().nonnegative(),
    streams: z.array(z.tuple([z.string(), z.number(), z.number(), z.number(), z.number(), z.number()])),
    sparse: z.array(z.tuple([z.number(), z.number(), z.number()])),
  }),
});

export type LoadedCheckpoint = { readonly index: LogIndex } | { readonly unreadable: string } | undefined;

export async function loadIndexCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  let text: string;
  try {
    text = await readFile(join(dir, INDEX_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const parsed = Json.safeParse(JSON.parse(text));
    if (!parsed.success) return { unreadable: 'unknown format' };
    return { index: LogIndex.fromJSON(parsed.data.index as IndexJson) };
  } catch {
    return { unreadable: 'not JSON' };
  }
}

/** Written to a temp file, fsynced and renamed: a crash leaves the old checkpoint or the new one. */
export async function saveIndexCheckpoint(dir: string, json: IndexJson): Promise<void> {
  const file = join(dir, INDEX_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify({ format: FORMAT, index: json }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (e) {
    // A full disk must not be left fuller by a half-written copy.
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await syncDir(dir);
}

/** Why the checkpoint cannot be trusted for this log, or undefined. */
export async function checkpointProblem(
  dir: string,
  index: LogIndex,
  segments: readonly number[],
): Promise<string | undefined> {
  if (!segments.includes(index.end.segment)) return `segment ${index.end.segment} is missing`;
  const handle = await open(segmentFile(dir, index.end.segment), 'r');
  try {
    if ((await handle.stat()).size < index.end.size)
      return `segment ${index.end.segment} is shorter than checkpointed`;
  } finally {
    await handle.close();
  }
  if (index.head === 0) return undefined;
  const tip = [...index.streams.values()].find((t) => t.lastPosition === index.head);
  if (!tip) return 'no stream ends at the head';
  const head = await open(segmentFile(dir, tip.last.segment), 'r');
  try {
    const record = decodeRecord(await readAt(head, tip.last));
    if (record?.event.position !== index.head || record.chain !== index.chain)
      return 'the record at the checkpointed head differs';
  } finally {
    await head.close();
  }
  return undefined;
}
