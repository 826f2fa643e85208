import { expect } from 'chai';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileEventStore } from '../../src/events/fileEventStore.js';
import { createFileSnapshotStore } from '../../src/events/fileSnapshotStore.js';
import { encodeReadModels } from '../../src/projections/readModelCodec.js';
import { ndjsonLines, runCliProcess, startCliProcess, type CliResult } from '../support/cliProcess.js';
import { fileDataKeyStore } from '../../src/crypto/fileDataKeyStore.js';
import { openUserSecretBox } from '../../src/crypto/userSecretBox.js';
import {
  fixtureServer,
  startTestGateway,
  TEST_KEY_MATERIAL,
  testMasterKeys,
  type TestGateway,
} from '../support/testGateway.js';

const SECRET_CANARY = 'canary-cli-secret-4c19b2';
const T = (minute: number): string => new Date(Date.UTC(2030, 0, 1, 12, minute)).toISOString();

/** A gateway on a file store with checkpointed projections and a clock the test moves. */
async function gatewayOn(dataDir: string, clock: () => Date): Promise<TestGateway> {
  const events = await openFileEventStore({ dir: join(dataDir, 'events') });
  // The CLI opens DATA_DIR/keys like the real gateway does, so the test gateway keeps its data keys there too.
  const secretBox = await openUserSecretBox({
    masterKeys: testMasterKeys(),
    store: fileDataKeyStore(join(dataDir, 'keys')),
  });
  return startTestGateway({
    dataDir,
    clock,
    secretBox,
    storage: {
      events,
      snapshots: createFileSnapshotStore(join(dataDir, 'projections')),
      close: () => events.close(),
    },
  });
}

describe('mcp-api CLI on the file store', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let modelsAtStop: string;
  const outputs: CliResult[] = [];
  const cli = async (...args: string[]): Promise<CliResult> => {
    const result = await runCliProcess(args, env);
    outputs.push(result);
    return result;
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-cli-'));
    env = { DATA_DIR: dataDir, SECRETS_KEY: TEST_KEY_MATERIAL, LOG_LEVEL: 'warn' };
    let minute = 0;
    const gw = await gatewayOn(dataDir, () => new Date(T(minute)));
    minute = 1;
    await gw.request('POST', '/mcp/servers', fixtureServer('alpha', { enabled: false })); // 1
    minute = 2;
    await gw.request('POST', '/secrets/set', {
      username: 'ann',
      serverName: 'alpha',
      secretName: 'KEY',
      secretValue: SECRET_CANARY,
    }); // 2
    minute = 3;
    await gw.request('POST', '/mcp/servers', fixtureServer('beta', { enabled: false })); // 3
    minute = 4;
    await gw.request('PUT', '/mcp/servers/beta', { args: ['--changed'] }); // 4
    minute = 5;
    await gw.request('DELETE', '/mcp/servers/alpha'); // 5
    minute = 6;
    await gw.request('POST', '/secrets/set', {
      username: 'bob',
      serverName: 'beta',
      secretName: 'TOKEN',
      secretValue: SECRET_CANARY,
    }); // 6
    modelsAtStop = encodeReadModels(gw.gateway.projector.readModels);
    await gw.stop(); // saves the incremental checkpoint
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rebuilds projections from position 1 to exactly what incremental building produced', async () => {
    const before = JSON.parse(await readFile(join(dataDir, 'projections', 'read-models.json'), 'utf8')) as {
      checkpoint: number;
      body: string;
    };
    expect(before.checkpoint).to.equal(6);
    expect(before.body).to.equal(modelsAtStop);
    const res = await cli('projections', 'rebuild', '--json');
    expect(res.code, res.stderr).to.equal(0);
    const report = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(report).to.include({
      store: 'file',
      events: 6,
      checkpoint: 6,
      previousCheckpoint: 6,
      matchesPrevious: true,
      servers: 1,
    });
    expect(report.eventsPerSecond).to.be.a('number').greaterThan(0);
    const after = JSON.parse(await readFile(join(dataDir, 'projections', 'read-models.json'), 'utf8')) as {
      body: string;
    };
    expect(after.body).to.equal(modelsAtStop);
  });

  it('reports when a checkpoint differs from a rebuild', async () => {
    const path = join(dataDir, 'projections', 'read-models.json');
    const snapshot = JSON.parse(await readFile(path, 'utf8')) as { body: string };
    await writeFile(path, JSON.stringify({ ...snapshot, body: snapshot.body.replace('"beta"', '"gamma"') }));
    const res = await cli('projections', 'rebuild');
    expect(res.code).to.equal(0);
    expect(res.stdout)
      .to.contain('DIFFERED from the rebuild')
      .and.match(/events\/s/);
    expect(JSON.parse(await readFile(path, 'utf8')).body).to.equal(modelsAtStop);
  });

  it('replays the state as of a position or a time', async () => {
    const at = async (until: string): Promise<Record<string, unknown>> => {
      const res = await cli('replay', '--until', until, '--json');
      expect(res.code, res.stderr).to.equal(0);
      return JSON.parse(res.stdout) as Record<string, unknown>;
    };
    const early = await at('2');
    expect((early.servers as Array<{ name: string }>).map((s) => s.name)).to.deep.equal(['alpha']);
    expect(early.secrets).to.deep.equal([{ serverName: 'alpha', username: 'ann', secretNames: ['KEY'] }]);
    const byTime = await at(T(4));
    expect(byTime.position).to.equal(4);
    const servers = byTime.servers as Array<{ name: string; args: string[] }>;
    expect(servers.map((s) => s.name)).to.deep.equal(['alpha', 'beta']);
    expect(servers[1]!.args).to.deep.equal(['--changed']);
    const late = await at('6');
    expect((late.servers as Array<{ name: string }>).map((s) => s.name)).to.deep.equal(['beta']);
    expect(late.secrets).to.deep.equal([{ serverName: 'beta', username: 'bob', secretNames: ['TOKEN'] }]);
    const text = await cli('replay', '--until', '0');
    expect(text.stdout).to.contain('state as of position 0').and.contain('servers (0)');
  });

  it('lists events as NDJSON with filters, secrets as ciphertext metadata only', async () => {
    const all = ndjsonLines((await cli('events')).stdout);
    expect(all.map((e) => e.position)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    const secrets = ndjsonLines((await cli('events', 'list', '--type', 'SecretSet')).stdout);
    expect(secrets.map((e) => (e.data as { sealed: unknown }).sealed)).to.deep.equal([
      { sealed: true, keyVersion: 1, ciphertextBytes: SECRET_CANARY.length },
      { sealed: true, keyVersion: 1, ciphertextBytes: SECRET_CANARY.length },
    ]);
    expect((await cli('events', 'list', '--limit', '2')).stdout).to.equal(
      (await cli('events', '--limit', '2')).stdout,
    );
    expect(
      ndjsonLines((await cli('events', 'list', '--stream', 'server-beta')).stdout).map((e) => e.version),
    ).to.deep.equal([1, 2]);
    expect(
      ndjsonLines((await cli('events', 'list', '--from', '2', '--to', '3')).stdout).map((e) => e.position),
    ).to.deep.equal([2, 3]);
    expect(
      ndjsonLines((await cli('events', 'list', '--since', T(3), '--until', T(4))).stdout).map(
        (e) => e.position,
      ),
    ).to.deep.equal([3, 4]);
    const bad = await cli('events', 'list', '--since', 'last tuesday');
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('--since');
  });

  it('verifies checksums, versions and that every secret decrypts, per key version', async () => {
    const res = await cli('verify', '--json');
    expect(res.code, res.stdout).to.equal(0);
    const report = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(report).to.deep.include({ ok: true, store: 'file', events: 6, head: 6, problems: [] });
    expect(report.secretsByKeyVersion).to.deep.equal({ '1': { secrets: 1, decryptable: 1, failed: 0 } });
    expect((report.log as Record<string, unknown>).checksumsVerified).to.equal(6);

    const wrongKey = await runCliProcess(['verify'], {
      ...env,
      SECRETS_KEY: 'another key entirely, 0123456789abcdef',
    });
    outputs.push(wrongKey);
    expect(wrongKey.code).to.equal(1);
    expect(wrongKey.stdout)
      .to.contain('secrets with key version 1: 1 (0 decryptable, 1 not)')
      .and.contain('NOT OK');
  });

  it('finds a damaged record in the middle of the log', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'mcp-api-cli-damaged-'));
    try {
      const log = await readFile(join(dataDir, 'events', 'events.log'), 'utf8');
      const lines = log.split('\n');
      lines[2] = lines[2]!.replace('"beta"', '"bet4"');
      await mkdir(join(copy, 'events'));
      await writeFile(join(copy, 'events', 'events.log'), lines.join('\n'));
      const res = await runCliProcess(['verify'], { ...env, DATA_DIR: copy });
      outputs.push(res);
      expect(res.code).to.equal(1);
      expect(res.stdout).to.contain('PROBLEM').and.contain('corrupt');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('round-trips export and import into a fresh store, and refuses a redacted export', async () => {
    const exported = await cli('events', 'export', '--include-ciphertext');
    expect(exported.code).to.equal(0);
    const target = await mkdtemp(join(tmpdir(), 'mcp-api-cli-import-'));
    try {
      const targetEnv = { ...env, DATA_DIR: target };
      const imported = await runCliProcess(['events', 'import', '-'], targetEnv, exported.stdout);
      outputs.push(imported);
      expect(imported.code, imported.stderr).to.equal(0);
      expect(imported.stdout).to.contain('imported 6 events').and.contain('0 were already present');
      const again = await runCliProcess(['events', 'export', '--include-ciphertext'], targetEnv);
      expect(again.stdout).to.equal(exported.stdout);
      const rerun = await runCliProcess(['events', 'import', '-'], targetEnv, exported.stdout);
      expect(rerun.stdout).to.contain('imported 0 events').and.contain('6 were already present');
      // Data keys live apart from the log: the export alone is not decryptable, which is the point.
      const keyless = await runCliProcess(['verify', '--json'], targetEnv);
      expect(JSON.parse(keyless.stdout)).to.deep.include({ ok: false, events: 6 });
      await cp(join(dataDir, 'keys'), join(target, 'keys'), { recursive: true });
      const verified = await runCliProcess(['verify', '--json'], targetEnv);
      expect(JSON.parse(verified.stdout)).to.deep.include({ ok: true, events: 6 });

      const redacted = await cli('events', 'export');
      const refused = await runCliProcess(
        ['events', 'import', '-'],
        { ...env, DATA_DIR: join(target, 'other') },
        redacted.stdout,
      );
      outputs.push(refused);
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.contain('--include-ciphertext');
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });

  it('tails new events until --count is reached', async () => {
    const gw = await gatewayOn(dataDir, () => new Date(T(30)));
    try {
      // --from the next position: whether the tail starts before or after the write, it must print it.
      const child = startCliProcess(
        ['events', 'tail', '--from', '7', '--count', '1', '--poll-ms', '20'],
        env,
      );
      let stdout = '';
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await new Promise((r) => setTimeout(r, 200));
      await gw.request('POST', '/mcp/servers', fixtureServer('gamma', { enabled: false }));
      expect(await exited).to.equal(0);
      expect(ndjsonLines(stdout).map((e) => [e.position, e.type])).to.deep.equal([[7, 'ServerRegistered']]);
    } finally {
      await gw.stop();
    }
  });

  it('never prints a secret value, in any output of any command', () => {
    expect(outputs.length).to.be.greaterThan(10);
    for (const o of outputs) expect(o.stdout + o.stderr).to.not.contain(SECRET_CANARY);
  });
});
