import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '../events/syncDir.js';
import { matches, type AuditFilter, type AuditRecord } from './auditRecord.js';

/** Where a page stopped: the day file and the line of the last record returned. */
export interface AuditCursor {
  readonly day: string;
  readonly line: number;
}

export interface AuditLog {
  /** Resolves once the records are written and fsynced. */
  append(records: readonly AuditRecord[]): Promise<void>;
  /** Matching records, newest first, each with the cursor that resumes after it. */
  scan(
    filter: AuditFilter,
    after?: AuditCursor,
  ): AsyncGenerator<{ record: AuditRecord; cursor: AuditCursor }>;
  /** Deletes whole days older than `retentionDays` before `now`; returns the days removed. */
  prune(now: Date, retentionDays: number): Promise<string[]>;
  close(): Promise<void>;
}

const FILE = /^calls-(\d{4}-\d{2}-\d{2})\.ndjson$/;
const fileOf = (day: string): string => `calls-${day}.ndjson`;
const dayOf = (iso: string): string => iso.slice(0, 10);

/**
 * The audit trail as append-only NDJSON files in DATA_DIR/audit, one per UTC day. A query reads
 * only the days its time range covers; retention deletes whole files. A torn last line (a crash
 * mid-write) is skipped by readers and closed off with a newline before the next append.
 */
export function openFileAuditLog(dir: string): AuditLog {
  let current: { day: string; handle: FileHandle } | undefined;
  let ready: Promise<void> | undefined;

  const handleFor = async (day: string): Promise<FileHandle> => {
    if (current?.day === day) return current.handle;
    await current?.handle.close();
    current = undefined;
    ready ??= mkdir(dir, { recursive: true }).then(() => undefined);
    await ready;
    const handle = await open(join(dir, fileOf(day)), 'a+');
    const { size } = await handle.stat();
    if (size === 0) await syncDir(dir);
    else {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await handle.write('\n');
    }
    current = { day, handle };
    return handle;
  };

  return {
    async append(records) {
      const byDay = new Map<string, string[]>();
      for (const r of records) {
        const day = dayOf(r.at);
        const lines = byDay.get(day);
        if (lines) lines.push(JSON.stringify(r));
        else byDay.set(day, [JSON.stringify(r)]);
      }
      for (const [day, lines] of [...byDay].sort(([a], [b]) => a.localeCompare(b))) {
        const handle = await handleFor(day);
        await handle.write(lines.join('\n') + '\n');
        await handle.datasync();
      }
    },
    async *scan(filter, after) {
      const days = await listDays(dir);
      const fromDay = filter.from ? filter.from.toISOString().slice(0, 10) : undefined;
      const toDay = filter.to ? filter.to.toISOString().slice(0, 10) : undefined;
      // The serialized form is fixed, so a user filter can skip most lines without parsing them.
      const needle =
        filter.username === undefined ? undefined : `"username":${JSON.stringify(filter.username)}`;
      for (const day of days.sort().reverse()) {
        if ((fromDay && day < fromDay) || (toDay && day > toDay) || (after && day > after.day)) continue;
        const lines = (await readFile(join(dir, fileOf(day)), 'utf8').catch(() => '')).split('\n');
        const start = after && day === after.day ? after.line - 1 : lines.length - 1;
        for (let line = start; line >= 0; line--) {
          const text = lines[line];
          if (!text || (needle && !text.includes(needle))) continue;
          const record = parse(text);
          if (record && matches(record, filter)) yield { record, cursor: { day, line } };
        }
      }
    },
    async prune(now, retentionDays) {
      if (retentionDays <= 0) return [];
      const oldest = new Date(now.getTime() - (retentionDays - 1) * 86_400_000).toISOString().slice(0, 10);
      const removed = (await listDays(dir)).filter((day) => day < oldest && day !== current?.day);
      for (const day of removed) await rm(join(dir, fileOf(day)), { force: true });
      if (removed.length > 0) await syncDir(dir);
      return removed;
    },
    async close() {
      await current?.handle.close();
      current = undefined;
    },
  };
}

async function listDays(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.flatMap((name) => {
    const day = FILE.exec(name)?.[1];
    return day === undefined ? [] : [day];
  });
}

function parse(text: string): AuditRecord | undefined {
  try {
    const value = JSON.parse(text) as AuditRecord;
    return typeof value === 'object' && value !== null && typeof value.at === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export const encodeCursor = (cursor: AuditCursor): string =>
  Buffer.from(`${cursor.day}:${cursor.line}`).toString('base64url');

export function decodeCursor(text: string): AuditCursor | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}):(\d{1,9})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  return match ? { day: match[1] as string, line: Number(match[2]) } : undefined;
}
