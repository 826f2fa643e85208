import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestGateway, waitForStatus, type TestGateway } from '../../support/testGateway.js';

const HOSTILE = fileURLToPath(new URL('../../fixtures/hostileServer.js', import.meta.url));
const LIMITS = { memoryMb: 256, processes: 64, openFiles: 256 };

type Outcome = { ok: boolean; value?: unknown; error?: string };

/**
 * A malicious MCP server, run by a gateway with the sandbox on, shared (one process) and per-user
 * (one process per user with that user's secrets in its environment): each attack fails, the
 * gateway stays healthy and ordinary calls keep working.
 */
describe('a hostile stdio server in the sandbox', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let otherDir: string;
  const keyCanary = `KEY-CANARY-${randomUUID()}`;
  const otherCanary = `OTHER-SERVER-CANARY-${randomUUID()}`;
  const aliceSecret = `alice-secret-${randomUUID()}`;
  const bobSecret = `bob-secret-${randomUUID()}`;

  const attack = async (
    serverName: string,
    methodName: string,
    args: Record<string, unknown> = {},
    username?: string,
  ): Promise<Outcome> => {
    const res = await gw.request('POST', '/mcp/tool/call', {
      serverName,
      methodName,
      args,
      ...(username ? { username } : {}),
    });
    expect(res.status, res.text).to.equal(200);
    return JSON.parse((res.body.data as { content: Array<{ text: string }> }).content[0]!.text) as Outcome;
  };
  const stillHealthy = async (serverName: string, username?: string): Promise<void> => {
    expect((await gw.request('GET', '/healthz')).status).to.equal(200);
    expect(await attack(serverName, 'echo', { message: 'still here' }, username)).to.deep.equal({
      ok: true,
      value: 'still here',
    });
  };

  before(async () => {
    gw = await startTestGateway({
      parentEnv: { ...process.env, SECRETS_KEY: keyCanary },
      sandbox: { serverLimits: LIMITS },
      perUser: { idleTimeoutMs: 60_000, maxPerServer: 5, maxTotal: 10 },
    });
    await writeFile(join(gw.dataDir, 'secrets.key'), keyCanary);
    otherDir = await mkdtemp(join(tmpdir(), 'mcp-other-server-'));
    await writeFile(join(otherDir, 'server.js'), `// ${otherCanary}\n`);
    for (const [name, extra] of [
      ['hostile', {}],
      ['hostile-env', { secretDelivery: 'env', secretNames: ['API_TOKEN'] }],
    ] as const) {
      const res = await gw.request('POST', '/mcp/servers', {
        name,
        command: process.execPath,
        args: [HOSTILE],
        env: {},
        ...extra,
      });
      expect(res.status, res.text).to.equal(200);
      await waitForStatus(gw, name, ['connected']);
    }
    const other = await gw.request('POST', '/mcp/servers', {
      name: 'other',
      command: process.execPath,
      args: [join(otherDir, 'server.js')],
      enabled: false,
    });
    expect(other.status, other.text).to.equal(200);
    for (const [username, secretValue] of [
      ['alice', aliceSecret],
      ['bob', bobSecret],
    ]) {
      const res = await gw.request('POST', '/secrets/set', {
        username,
        serverName: 'hostile-env',
        secretName: 'API_TOKEN',
        secretValue,
      });
      expect(res.status, res.text).to.equal(200);
    }
  });
  after(async () => {
    await gw?.close();
    if (otherDir) await rm(otherDir, { recursive: true, force: true });
  });

  for (const [label, server, user] of [
    ['shared', 'hostile', undefined],
    ['per-user', 'hostile-env', 'alice'],
  ] as const) {
    describe(`${label} process`, () => {
      it('runs as an unprivileged uid in its own PID and UTS namespaces', async () => {
        const who = (await attack(server, 'whoami', {}, user)).value as {
          uid: number;
          pid: number;
          hostname: string;
        };
        expect(who.uid).to.equal(65534);
        expect(who.pid).to.be.below(10);
        expect(who.hostname).to.equal('sandbox');
      });

      it('cannot read the key file, the event log or anything under DATA_DIR', async () => {
        for (const path of [join(gw.dataDir, 'secrets.key'), join(gw.dataDir, 'events')]) {
          expect((await attack(server, 'read_file', { path }, user)).ok, path).to.equal(false);
          expect((await attack(server, 'list_dir', { path }, user)).ok, path).to.equal(false);
        }
        expect((await attack(server, 'list_dir', { path: gw.dataDir }, user)).ok).to.equal(false);
      });

      it("cannot read the gateway's environment through /proc, nor signal the gateway", async () => {
        const environ = await attack(server, 'environ', { pid: process.pid }, user);
        expect(JSON.stringify(environ)).not.to.include(keyCanary);
        expect(environ.ok).to.equal(false);
        const all = await attack(server, 'all_environs', {}, user);
        expect(JSON.stringify(all)).not.to.include(keyCanary);
        expect((await attack(server, 'signal', { pid: process.pid, signal: 'SIGKILL' }, user)).ok).to.equal(
          false,
        );
        await attack(server, 'signal', { pid: -1, signal: 'SIGKILL' }, user); // reaches only its own namespace
        await stillHealthy(server, user);
      });

      it("cannot read another server's directory", async () => {
        const res = await attack(server, 'read_file', { path: join(otherDir, 'server.js') }, user);
        expect(res.ok).to.equal(false);
        expect(JSON.stringify(res)).not.to.include(otherCanary);
      });

      it('cannot write to the system', async () => {
        expect((await attack(server, 'write_file', { path: '/usr/hostile' }, user)).ok).to.equal(false);
        expect((await attack(server, 'write_file', { path: '/etc/passwd' }, user)).ok).to.equal(false);
        expect((await attack(server, 'write_file', { path: '/tmp/own-scratch' }, user)).ok).to.equal(true);
      });

      it('is stopped by the process limit when it fork-bombs, and the gateway stays healthy', async () => {
        const bomb = await attack(server, 'fork_bomb', { count: 1000 }, user);
        const { started } = bomb.value as { started: number };
        expect(bomb.ok).to.equal(false);
        expect(started).to.be.below(LIMITS.processes);
        await attack(server, 'reap', {}, user);
        await stillHealthy(server, user);
      });

      it('is refused memory beyond its limit, and the gateway stays healthy', async () => {
        const fill = await attack(server, 'fill_memory', { mb: 4096 }, user);
        expect(fill.ok).to.equal(false);
        expect(fill.error).to.match(/after \d+ MiB/);
        expect(Number(/after (\d+) MiB/.exec(fill.error!)![1])).to.be.at.most(LIMITS.memoryMb);
        await stillHealthy(server, user);
      });
    });
  }

  it("a per-user process cannot see another user's process or its environment", async () => {
    await attack('hostile-env', 'echo', { message: 'start alice' }, 'alice');
    await attack('hostile-env', 'echo', { message: 'start bob' }, 'bob');
    const server = await waitForStatus(gw, 'hostile-env', ['connected']);
    const pids = (server.perUserProcesses as { states: Array<{ pid?: number }> }).states.flatMap((s) =>
      s.pid ? [s.pid] : [],
    );
    expect(pids.length).to.equal(2);
    for (const pid of pids) {
      expect(JSON.stringify(await attack('hostile-env', 'environ', { pid }, 'alice'))).not.to.include(
        bobSecret,
      );
    }
    const all = JSON.stringify(await attack('hostile-env', 'all_environs', {}, 'alice'));
    expect(all).to.include(aliceSecret); // its own, which the sandbox does not hide
    expect(all).not.to.include(bobSecret);
    expect(all).not.to.include(keyCanary);
  });

  it(
    "checks a schema pattern against a caller's argument in linear time: " +
      'a ReDoS input is refused at once',
    async () => {
      const before = process.cpuUsage();
      const res = await gw.request('POST', '/mcp/tool/call', {
        serverName: 'hostile',
        methodName: 'redos',
        args: { text: `${'a'.repeat(33)}b` },
      });
      const used = process.cpuUsage(before);
      expect(res.status, res.text).to.equal(400);
      // The gateway runs in this process: a backtracking engine would burn seconds of CPU here.
      expect((used.user + used.system) / 1000).to.be.below(1000);
      const ok = await gw.request('POST', '/mcp/tool/call', {
        serverName: 'hostile',
        methodName: 'redos',
        args: { text: 'aaa' },
      });
      expect(ok.status, ok.text).to.equal(200);
    },
  );

  it(
    "scrubs the caller's injected secrets from an upstream error that quotes its arguments, " +
      'in the body and the log',
    async () => {
      const secret = `quoted-secret-${randomUUID()}`;
      const set = await gw.request('POST', '/secrets/set', {
        username: 'carol',
        serverName: 'hostile',
        secretName: 'API_TOKEN',
        secretValue: secret,
      });
      expect(set.status, set.text).to.equal(200);
      const res = await gw.request('POST', '/mcp/tool/call', {
        username: 'carol',
        serverName: 'hostile',
        methodName: 'quote_error',
        args: { q: 'hello' },
      });
      expect(res.status, res.text).to.equal(502);
      expect(res.text).to.contain('[REDACTED]').and.contain('hello');
      expect(res.text).not.to.contain(secret);
      expect(gw.logs.join('\n')).not.to.contain(secret);
    },
  );
});
