import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { openMongoEventStore } from '../../src/events/mongoEventStore.js';
import { createMongoSnapshotStore } from '../../src/events/mongoSnapshotStore.js';
import { ndjsonLines, runCliProcess, type CliResult } from '../support/cliProcess.js';
import { startMongoTarget, testDbName, type MongoTestTarget } from '../support/mongoTestStore.js';
import { fixtureServer, startTestGateway, TEST_KEY_MATERIAL } from '../support/testGateway.js';

const SECRET_CANARY = 'canary-mongo-cli-secret-81d0';
const PASSWORD_CANARY = 'canary-mongo-password-3e7f';

describe('mcp-api CLI on the MongoDB store', () => {
  let target: MongoTestTarget;
  let dbName: string;
  let dataDir: string;
  let env: Record<string, string>;
  const outputs: CliResult[] = [];
  const cli = async (
    args: string[],
    extraEnv: Record<string, string> = {},
    input?: string,
  ): Promise<CliResult> => {
    const result = await runCliProcess(args, { ...env, ...extraEnv }, input);
    outputs.push(result);
    return result;
  };

  before(async () => {
    target = await startMongoTarget();
    dbName = testDbName();
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-cli-mongo-'));
    env = {
      DATA_DIR: dataDir,
      MONGO_URL: target.url,
      MONGO_DBNAME: dbName,
      SECRETS_KEY: TEST_KEY_MATERIAL,
      LOG_LEVEL: 'warn',
    };
    const client = new MongoClient(target.url);
    await client.connect();
    const db = client.db(dbName);
    const events = await openMongoEventStore({ db });
    const gw = await startTestGateway({
      storage: {
        events,
        snapshots: createMongoSnapshotStore(db),
        close: async () => (await events.close(), await client.close()),
      },
    });
    await gw.request('POST', '/mcp/servers', fixtureServer('alpha', { enabled: false }));
    await gw.request('POST', '/secrets/set', {
      username: 'ann',
      serverName: 'alpha',
      secretName: 'KEY',
      secretValue: SECRET_CANARY,
    });
    await gw.request('POST', '/mcp/servers', fixtureServer('beta', { enabled: false }));
    await gw.request('DELETE', '/mcp/servers/alpha');
    await gw.close();
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await target.close();
  });

  it('lists the log with secrets redacted', async () => {
    const res = await cli(['events', 'list']);
    expect(res.code, res.stderr).to.equal(0);
    const events = ndjsonLines(res.stdout);
    expect(events.map((e) => [e.position, e.type])).to.deep.equal([
      [1, 'ServerRegistered'],
      [2, 'SecretSet'],
      [3, 'ServerRegistered'],
      [4, 'ServerRemoved'],
    ]);
    expect((events[1]?.data as { sealed: unknown }).sealed).to.deep.equal({
      sealed: true,
      keyVersion: 1,
      ciphertextBytes: SECRET_CANARY.length,
    });
  });

  it('verifies the documents (checksums, committed head) and replays an earlier state', async () => {
    const verified = await cli(['verify', '--json']);
    expect(verified.code, verified.stdout).to.equal(0);
    const report = JSON.parse(verified.stdout) as Record<string, unknown>;
    expect(report).to.deep.include({ ok: true, store: 'mongo', events: 4, problems: [] });
    expect(report.log).to.deep.include({
      committedHead: 4,
      checksumsVerified: 4,
      holes: 0,
      documentsPastHead: 0,
    });
    // alpha and its secret are gone at the head; nothing is left to decrypt.
    expect(report.secretsByKeyVersion).to.deep.equal({});

    const replay = JSON.parse((await cli(['replay', '--until', '2', '--json'])).stdout) as Record<
      string,
      unknown
    >;
    expect(replay.secrets).to.deep.equal([{ serverName: 'alpha', username: 'ann', secretNames: ['KEY'] }]);
  });

  it('rebuilds projections equal to the checkpoint the gateway saved in MongoDB', async () => {
    const res = await cli(['projections', 'rebuild', '--json']);
    expect(res.code, res.stderr).to.equal(0);
    expect(JSON.parse(res.stdout)).to.include({
      store: 'mongo',
      events: 4,
      checkpoint: 4,
      previousCheckpoint: 4,
      matchesPrevious: true,
    });
  });

  it('round-trips an export through another database and through the file store, unchanged', async () => {
    const exported = await cli(['events', 'export', '--include-ciphertext']);
    const otherDb = testDbName();
    const imported = await cli(['events', 'import', '-'], { MONGO_DBNAME: otherDb }, exported.stdout);
    expect(imported.code, imported.stderr).to.equal(0);
    expect(imported.stdout).to.contain('imported 4 events into mongo store');
    const again = await cli(['events', 'export', '--include-ciphertext'], { MONGO_DBNAME: otherDb });
    expect(again.stdout).to.equal(exported.stdout);
    const rerun = await cli(['events', 'import', '-'], { MONGO_DBNAME: otherDb }, exported.stdout);
    expect(rerun.stdout).to.contain('imported 0 events').and.contain('4 were already present');

    const fileDir = await mkdtemp(join(tmpdir(), 'mcp-api-cli-to-file-'));
    try {
      const fileEnv = { EVENT_STORE: 'file', DATA_DIR: fileDir };
      expect((await cli(['events', 'import', '-'], fileEnv, exported.stdout)).stdout).to.contain(
        'imported 4 events into file store',
      );
      expect((await cli(['events', 'export', '--include-ciphertext'], fileEnv)).stdout).to.equal(
        exported.stdout,
      );
    } finally {
      await rm(fileDir, { recursive: true, force: true });
    }
  });

  it('never shows the MongoDB password when connecting fails', async () => {
    const withUser = await cli(['verify'], { MONGO_USER: 'operator', MONGO_PASS: PASSWORD_CANARY });
    expect(withUser.code).to.equal(1);
    expect(withUser.stderr).to.contain('Cannot connect to MongoDB');
    const inUrl = await cli(['events', 'list'], {
      MONGO_URL: `mongodb://operator:${PASSWORD_CANARY}@127.0.0.1:1/?serverSelectionTimeoutMS=300`,
    });
    expect(inUrl.code).to.equal(1);
    expect(inUrl.stderr).to.contain('Cannot connect to MongoDB at mongodb://***@127.0.0.1:1');
    for (const o of [withUser, inUrl])
      expect(o.stdout + o.stderr)
        .to.not.contain(PASSWORD_CANARY)
        .and.not.contain(encodeURIComponent(PASSWORD_CANARY));
  });

  it('never prints a secret value', () => {
    for (const o of outputs) expect(o.stdout + o.stderr).to.not.contain(SECRET_CANARY);
  });
});
