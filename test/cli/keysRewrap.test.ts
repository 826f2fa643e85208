import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileDataKeyStore } from '../../src/crypto/fileDataKeyStore.js';
import { createSecretBox, deriveKey } from '../../src/crypto/secretBox.js';
import { openUserSecretBox } from '../../src/crypto/userSecretBox.js';
import { secretStreamId, type Sealed } from '../../src/events/secretEvents.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const CLI = fileURLToPath(new URL('../../src/cli/cli.js', import.meta.url));
const K1 = 'rotation test key one: 0123456789abcdefghij';
const K2 = 'rotation test key two: ABCDEFGHIJ9876543210';
const USERS = 150;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mcp-api <args>`; `killOn` SIGKILLs it as soon as a stderr line contains that text. */
function cli(
  args: string[],
  env: Record<string, string>,
  killOn?: string,
): Promise<CliRun & { killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (killOn && !killed && stderr.includes(killOn)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, killed }));
  });
}

describe('key rotation: mcp-api keys rewrap', function () {
  this.timeout(120_000);
  let dataDir: string;
  let gw: TestGateway | undefined;
  const key1 = deriveKey(K1, 1);
  const key2 = deriveKey(K2, 2);
  const v1 = new Map([[1, key1]]);
  const both = new Map([
    [1, key1],
    [2, key2],
  ]);
  const v2 = new Map([[2, key2]]);
  const start = async (keys: Map<number, Buffer>): Promise<TestGateway> =>
    (gw = await startTestGateway({
      dataDir,
      secretBox: await openUserSecretBox({
        masterKeys: keys,
        store: fileDataKeyStore(join(dataDir, 'keys')),
      }),
    }));
  const value = (i: number): string => `rotated-value-${i}-${randomUUID()}`;
  const values = new Map<string, string>();
  const echo = async (username: string): Promise<string> => {
    const res = await gw!.request('POST', '/mcp/tool/call', {
      username,
      serverName: 'fx',
      methodName: 'echo_secret',
      args: { name: 'K' },
    });
    expect(res.status, res.text).to.equal(200);
    return (res.body.data as { content: Array<{ text: string }> }).content[0]!.text;
  };
  const status = async (
    env: Record<string, string>,
  ): Promise<{ remaining: number; byKeyVersion: Record<string, number> }> => {
    const run = await cli(['keys', 'status'], env);
    expect(run.code, run.stderr).to.equal(0);
    return JSON.parse(run.stdout) as { remaining: number; byKeyVersion: Record<string, number> };
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-rotate-'));
  });
  after(async () => {
    await gw?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores records under version 1, including one in the format from before per-user data keys', async () => {
    await start(v1);
    await gw!.request('POST', '/mcp/servers', fixtureServer('fx', { enabled: false }));
    const users = Array.from({ length: USERS }, (_, i) => `user${i}`);
    for (let i = 0; i < users.length; i += 25) {
      await Promise.all(
        users.slice(i, i + 25).map(async (u, j) => {
          values.set(u, value(i + j));
          const res = await gw!.request('POST', '/secrets/set', {
            username: u,
            serverName: 'fx',
            secretName: 'K',
            secretValue: values.get(u),
          });
          expect(res.status, res.text).to.equal(200);
        }),
      );
    }
    // A record sealed with the master key directly, as the core wrote them before data keys.
    const server = gw!.gateway.projector.readModels.servers.get('fx')!;
    const legacyValue = value(-1);
    values.set('legacy', legacyValue);
    const sealed = createSecretBox(v1).seal(legacyValue, {
      username: 'legacy',
      serverName: 'fx',
      secretName: 'K',
    });
    await gw!.store.append(
      secretStreamId(server.serverId, 'legacy'),
      [
        {
          type: 'SecretSet',
          data: { serverId: server.serverId, serverName: 'fx', username: 'legacy', secretName: 'K', sealed },
          metadata: { eventId: randomUUID(), occurredAt: new Date().toISOString(), schemaVersion: 1 },
        },
      ],
      0,
    );
    await gw!.stop();
  });

  it('still decrypts version 1 records after version 2 is added, and seals new ones with version 2', async () => {
    await start(both);
    await gw!.request('PUT', '/mcp/servers/fx/enable');
    await waitForStatus(gw!, 'fx', ['connected']);
    expect(await echo('user0')).to.equal(values.get('user0'));
    expect(await echo('legacy')).to.equal(values.get('legacy'));
    values.set('newcomer', value(999));
    await gw!.request('POST', '/secrets/set', {
      username: 'newcomer',
      serverName: 'fx',
      secretName: 'K',
      secretValue: values.get('newcomer'),
    });
    const [event] = (await gw!.store.readAll(1)).filter(
      (e) => e.type === 'SecretSet' && e.data.username === 'newcomer',
    );
    expect((event!.data.sealed as Sealed).keyVersion).to.equal(2);
    expect((event!.data.sealed as Sealed).dataKeyId).to.be.a('string');
    await gw!.stop();
  });

  it('rewraps in resumable steps: a limited run, a run killed mid-way, then a run that reaches zero', async () => {
    const env = { DATA_DIR: dataDir, SECRETS_KEYS: `2:${K2},1:${K1}` };
    expect(await status(env)).to.deep.include({ remaining: USERS + 1, byKeyVersion: { 1: USERS + 1, 2: 1 } });

    const limited = await cli(['keys', 'rewrap', '--limit', '5'], env);
    expect(limited.code, limited.stderr).to.equal(0);
    expect(JSON.parse(limited.stdout)).to.deep.equal({
      keyVersion: 2,
      rewrapped: 5,
      failed: 0,
      remaining: USERS + 1 - 5,
    });

    const killed = await cli(['keys', 'rewrap'], env, 'rewrap progress');
    expect(killed.killed).to.equal(true);
    const afterKill = (await status(env)).remaining;
    expect(afterKill, 'the kill came before the end').to.be.within(1, USERS + 1 - 5 - 1);

    const resumed = await cli(['keys', 'rewrap'], env);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(JSON.parse(resumed.stdout)).to.deep.equal({
      keyVersion: 2,
      rewrapped: afterKill,
      failed: 0,
      remaining: 0,
    });
    expect(await status(env)).to.deep.include({ remaining: 0, byKeyVersion: { 2: USERS + 2 } });
    expect(`${limited.stdout}${limited.stderr}${resumed.stdout}${resumed.stderr}`).to.not.contain(
      'rotated-value',
    );
  });

  it('decrypts everything with version 1 removed', async () => {
    await start(v2);
    await waitForStatus(gw!, 'fx', ['connected']);
    for (const [user, expected] of values) expect(await echo(user), user).to.equal(expected);
    await gw!.stop();
    expect(await status({ DATA_DIR: dataDir, SECRETS_KEYS: `2:${K2}` })).to.deep.include({
      remaining: 0,
      byKeyVersion: { 2: USERS + 2 },
    });
  });
});
