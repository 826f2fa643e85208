import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOG_FILE } from './fileEventStore.js';
import { LogCorruptionError, scanLog } from './fileLog.js';
import type { LogCheck } from './logCheck.js';

/** Re-reads the whole file log and checks every record's CRC, sequence and batch framing. */
export async function checkFileLog(dir: string): Promise<LogCheck> {
  const path = join(dir, LOG_FILE);
  const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? Buffer.alloc(0) : Promise.reject(e)));
  try {
    const scan = scanLog(bytes);
    const torn = bytes.length - scan.validLength;
    return {
      ok: true,
      records: scan.events.length,
      problems: [],
      details: {
        log: path,
        bytes: bytes.length,
        checksumsVerified: scan.events.length,
        ...(torn > 0 ? { tornTailBytes: torn, tornTailEvents: scan.droppedEvents, note: 'an incomplete last write; the gateway truncates it at start' } : {}),
      },
    };
  } catch (e) {
    if (!(e instanceof LogCorruptionError)) throw e;
    return { ok: false, records: 0, problems: [e.message], details: { log: path, bytes: bytes.length, corruptAtOffset: e.offset } };
  }
}
