import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../../src/audit/auditRecord.js';
import { AuditRecorder } from '../../src/audit/auditRecorder.js';
import { openFileAuditLog, type AuditLog } from '../../src/audit/fileAuditLog.js';
import { createLogger } from '../../src/logger.js';
import { finishedCall } from './auditTestUtils.js';

const logger = createLogger({ level: 'error', write: () => undefined });

async function all(log: AuditLog, filter: Parameters<AuditLog['scan']>[0] = {}): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const { record } of log.scan(filter)) out.push(record);
  return out;
}

describe('audit trail storage (file log + recorder)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-api-audit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records 10,000 calls by 10 users and answers queries by user and tool with exact counts', async () => {
    const log = openFileAuditLog(dir);
    const recorder = new AuditRecorder({ log, logger, newId: randomUUID, flushIntervalMs: 50 });
    const tools = ['echo', 'add', 'fail', 'slow'];
    const start = Date.parse('2026-11-29T22:00:00Z');
    for (let i = 0; i < 10_000; i++) {
      // Spread over two UTC days, so the query crosses day files.
      const startedAt = new Date(start + i * 1000);
      recorder.record(
        finishedCall({
          username: `user${i % 10}`,
          target: tools[i % 4] as string,
          startedAt,
          args: { n: i },
        }),
      );
    }
    await recorder.close();
    expect((await readdir(dir)).sort()).to.deep.equal(['calls-2026-11-29.ndjson', 'calls-2026-11-30.ndjson']);
    const reader = openFileAuditLog(dir);
    expect(await all(reader)).to.have.length(10_000);
    // user3 makes the calls i ≡ 3 (mod 10): 1000; half of them (i ≡ 13 mod 20) are "add", none "echo".
    expect(await all(reader, { username: 'user3' })).to.have.length(1000);
    expect(await all(reader, { username: 'user3', tool: 'add' })).to.have.length(500);
    expect(await all(reader, { username: 'user3', tool: 'echo' })).to.have.length(0);
    expect(await all(reader, { tool: 'fail' })).to.have.length(2500);
    // Time range: the first hour only (3600 calls at one a second).
    expect(await all(reader, { from: new Date(start), to: new Date(start + 3_599_000) })).to.have.length(
      3600,
    );
    const newest = await all(reader, { username: 'user9' });
    expect(String(newest[0]?.at) > String(newest.at(-1)?.at)).to.equal(true);
    await reader.close();
  });

  it('pages with cursors newest first, without repeating or skipping a record', async () => {
    const log = openFileAuditLog(dir);
    const base = Date.parse('2026-11-30T23:59:50Z');
    await log.append(
      Array.from({ length: 25 }, (_, i) => ({
        id: `id-${i}`,
        kind: 'tool_call' as const,
        at: new Date(base + i * 1000).toISOString(),
        durationMs: 1,
        username: 'bob',
        caller: { type: 'admin' as const },
        via: 'mcp' as const,
        serverName: 's',
        target: 't',
        outcome: 'ok' as const,
        args: [],
      })),
    );
    const seen: string[] = [];
    let after;
    for (;;) {
      const page = [];
      for await (const item of log.scan({}, after)) {
        page.push(item);
        if (page.length === 10) break;
      }
      seen.push(...page.map((p) => p.record.id));
      if (page.length < 10) break;
      after = page.at(-1)?.cursor;
    }
    expect(seen).to.deep.equal(Array.from({ length: 25 }, (_, i) => `id-${24 - i}`));
    await log.close();
  });

  it('skips a torn last line and starts the next append on a fresh line', async () => {
    const log = openFileAuditLog(dir);
    const recorder = new AuditRecorder({ log, logger, newId: randomUUID, flushIntervalMs: 10 });
    recorder.record(finishedCall());
    await recorder.close();
    const file = join(dir, 'calls-2026-11-30.ndjson');
    await appendFile(file, '{"id":"torn","kind":"tool_ca');
    const again = openFileAuditLog(dir);
    expect(await all(again)).to.have.length(1);
    const recorder2 = new AuditRecorder({ log: again, logger, newId: randomUUID, flushIntervalMs: 10 });
    recorder2.record(finishedCall({ username: 'carol' }));
    await recorder2.close();
    const records = await all(openFileAuditLog(dir));
    expect(records.map((r) => r.username)).to.deep.equal(['carol', 'alice']);
  });

  it('stores argument names and JSON sizes, never values', async () => {
    const log = openFileAuditLog(dir);
    const recorder = new AuditRecorder({ log, logger, newId: randomUUID, flushIntervalMs: 10 });
    recorder.record(
      finishedCall({ args: { message: 'VALUE-NEVER-STORED', count: 12345, nested: { deep: 'x' } } }),
    );
    await recorder.close();
    const text = await readFile(join(dir, 'calls-2026-11-30.ndjson'), 'utf8');
    expect(text).to.not.contain('VALUE-NEVER-STORED');
    expect(text).to.not.contain('12345');
    const [record] = await all(openFileAuditLog(dir));
    expect(record?.args).to.deep.equal([
      { name: 'message', bytes: 20 },
      { name: 'count', bytes: 5 },
      { name: 'nested', bytes: 12 },
    ]);
  });

  it('writes on close what the timer has not written yet (clean shutdown)', async () => {
    const log = openFileAuditLog(dir);
    const recorder = new AuditRecorder({ log, logger, newId: randomUUID, flushIntervalMs: 3_600_000 });
    for (let i = 0; i < 5; i++) recorder.record(finishedCall({ target: `t${i}` }));
    expect(await readdir(dir).catch(() => [])).to.deep.equal([]);
    await recorder.close();
    expect(await all(openFileAuditLog(dir))).to.have.length(5);
  });

  it('deletes whole days past retention, never the current one', async () => {
    for (const day of ['2026-01-01', '2026-11-28', '2026-11-29', '2026-11-30'])
      await writeFile(join(dir, `calls-${day}.ndjson`), '');
    await writeFile(join(dir, 'unrelated.txt'), '');
    const removed = await openFileAuditLog(dir).prune(new Date('2026-11-30T12:00:00Z'), 2);
    expect(removed.sort()).to.deep.equal(['2026-01-01', '2026-11-28']);
    expect((await readdir(dir)).sort()).to.deep.equal([
      'calls-2026-11-29.ndjson',
      'calls-2026-11-30.ndjson',
      'unrelated.txt',
    ]);
    expect(await openFileAuditLog(dir).prune(new Date('2026-11-30T12:00:00Z'), 0)).to.deep.equal([]);
  });
});
