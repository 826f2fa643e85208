import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditRecorder } from '../../src/audit/auditRecorder.js';
import { openFileAuditLog } from '../../src/audit/fileAuditLog.js';
import { createLogger } from '../../src/logger.js';
import { finishedCall } from '../audit/auditTestUtils.js';
import { ndjsonLines, runCliProcess } from '../support/cliProcess.js';

describe('mcp-api audit calls', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-cli-audit-'));
    const recorder = new AuditRecorder({
      log: openFileAuditLog(join(dataDir, 'audit')),
      logger: createLogger({ level: 'error', write: () => undefined }),
      newId: randomUUID,
      flushIntervalMs: 10,
    });
    for (let i = 0; i < 30; i++) {
      recorder.record(
        finishedCall({
          username: `u${i % 3}`,
          target: i % 2 ? 'add' : 'echo',
          startedAt: new Date(Date.parse('2026-11-30T08:00:00Z') + i * 60_000),
        }),
      );
    }
    await recorder.close();
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const run = (...args: string[]) =>
    runCliProcess(['audit', 'calls', ...args], {
      DATA_DIR: dataDir,
      SECRETS_KEY: 'cli audit test key material 0123456789',
    });

  it('prints matching records as NDJSON, newest first', async () => {
    const all = await run();
    expect(all.code, all.stderr).to.equal(0);
    const records = ndjsonLines(all.stdout);
    expect(records).to.have.length(30);
    expect(String(records[0]?.at) > String(records[29]?.at)).to.equal(true);
    expect(ndjsonLines((await run('--username', 'u1', '--tool', 'add')).stdout)).to.have.length(5);
    expect(
      ndjsonLines((await run('--from', '2026-11-30T08:10:00Z', '--to', '2026-11-30T08:19:00Z')).stdout),
    ).to.have.length(10);
    expect(ndjsonLines((await run('--limit', '3')).stdout)).to.have.length(3);
  });

  it('refuses unknown options', async () => {
    const bad = await run('--nope', 'x');
    expect(bad.code).to.not.equal(0);
  });
});
