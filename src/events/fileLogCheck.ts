import { stat } from 'node:fs/promises';
import { loadIndexCheckpoint } from './fileIndexCheckpoint.js';
import { LogIndex } from './fileLogIndex.js';
import { LogCorruptionError, scanSegments } from './fileLogScan.js';
import { listSegments, segmentFile } from './fileSegments.js';
import type { LogCheck } from './logCheck.js';

/** A position and event id that something outside the log recorded (the projection snapshot). */
export interface LogAnchor {
  readonly what: string;
  readonly position: number;
  readonly eventId: string | null;
}

/**
 * Re-reads every segment (streaming, constant memory) and checks each record's checksum, sequence,
 * batch framing, stream back-link and the hash chain, naming the first bad position. Then holds the
 * log against what was recorded about it elsewhere: the index checkpoint (head and chain hash) and
 * the anchors given, so a log rolled back, cut short or rewritten with a recomputed chain is caught.
 */
export async function checkFileLog(dir: string, anchors: readonly LogAnchor[] = []): Promise<LogCheck> {
  const segments = await listSegments(dir);
  let bytes = 0;
  for (const s of segments)
    bytes += await stat(segmentFile(dir, s)).then(
      (x) => x.size,
      () => 0,
    );
  const base = { log: dir, segments: segments.length, bytes };
  const checkpoint = await loadIndexCheckpoint(dir);
  const claimed = checkpoint && 'index' in checkpoint ? checkpoint.index : undefined;
  const index = new LogIndex();
  const seen = new Map<number, { chain?: string; eventId: string }>();
  const wanted = new Set([...(claimed ? [claimed.head] : []), ...anchors.map((a) => a.position)]);
  try {
    const scan = await scanSegments(dir, index, segments, {
      onEvent(record) {
        const position = record.event.position;
        if (wanted.has(position))
          seen.set(position, {
            ...(record.chain ? { chain: record.chain } : {}),
            eventId: record.event.metadata.eventId,
          });
      },
    });
    const problems: string[] = [];
    if (claimed && claimed.head > index.head) {
      problems.push(
        `the log has ${index.head} events but its index checkpoint recorded ${claimed.head}: events were rolled back ` +
          `or deleted`,
      );
    } else if (claimed && claimed.head > 0 && seen.get(claimed.head)?.chain !== claimed.chain) {
      problems.push(
        `the hash chain at position ${claimed.head} differs from the index checkpoint: the log was rewritten up to ` +
          `there`,
      );
    }
    for (const anchor of anchors) {
      if (anchor.position === 0) continue;
      if (anchor.position > index.head)
        problems.push(
          `the log has ${index.head} events but the ${anchor.what} was folded up to ${anchor.position}: events were ` +
            `rolled back or deleted`,
        );
      else if (seen.get(anchor.position)?.eventId !== anchor.eventId)
        problems.push(
          `the event at position ${anchor.position} is not the one the ${anchor.what} recorded: the log was rewritten`,
        );
    }
    const { torn } = scan;
    return {
      ok: problems.length === 0,
      records: index.head,
      problems,
      details: {
        ...base,
        checksumsVerified: index.head,
        chainVerified: index.head - index.legacyRecords,
        chainHead: index.chain,
        ...(index.legacyRecords > 0
          ? {
              unchainedRecords: index.legacyRecords,
              note: 'an old single-file log: the gateway upgrades it at its next start',
            }
          : {}),
        ...(torn
          ? {
              tornTailBytes: torn.bytes,
              tornTailEvents: torn.events,
              tornTailNote: 'an incomplete last write; the gateway truncates it at start',
            }
          : {}),
      },
    };
  } catch (e) {
    if (!(e instanceof LogCorruptionError)) throw e;
    return {
      ok: false,
      records: index.head,
      problems: [e.message],
      details: {
        ...base,
        firstBadPosition: e.position,
        corruptSegment: segmentFile(dir, e.segment),
        corruptAtOffset: e.offset,
      },
    };
  }
}
