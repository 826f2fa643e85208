import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, hasExited, startGatewayProcess, type GatewayProcess } from '../support/gatewayProcess.js';
import { FIXTURE_SERVER } from '../support/testGateway.js';

const ADMIN = 'audit-kill-admin-token-0123456789abcdef';
const FLUSH_MS = 50;

async function api(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

type Rec = { id: string; target: string };
const records = async (url: string): Promise<Rec[]> =>
  ((await api(url, 'GET', '/audit/calls?limit=1000')).json.calls ?? []) as Rec[];

/**
 * What README promises on kill -9: a call's record is written (write + fdatasync) within
 * AUDIT_FLUSH_INTERVAL_MS of the call's end; written records survive, a torn last line is
 * skipped, and only calls that ended during the last interval may be missing.
 */
describe('audit trail and kill -9', function () {
  this.timeout(60_000);
  let dataDir: string;
  let running: GatewayProcess | undefined;
  let env: Record<string, string>;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-audit-kill-'));
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATA_DIR: dataDir,
      SECRETS_KEY: 'audit kill test key material 0123456789',
      ADMIN_TOKEN: ADMIN,
      TOOL_CALLS_PER_MINUTE: '0',
      AUDIT_FLUSH_INTERVAL_MS: String(FLUSH_MS),
    };
  });
  afterEach(async () => {
    if (running && !hasExited(running.child)) {
      running.child.kill('SIGKILL');
      await exited(running.child);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every written record and every call answered before the last flush interval', async () => {
    running = await startGatewayProcess(env);
    const url = running.url;
    expect(
      (
        await api(url, 'POST', '/mcp/servers', {
          name: 'fx',
          transportType: 'stdio',
          command: process.execPath,
          args: [FIXTURE_SERVER],
          env: {},
        })
      ).status,
    ).to.equal(200);
    for (let i = 0; (await api(url, 'GET', '/mcp/servers/fx')).json.server && i < 500; i++) {
      if (
        (((await api(url, 'GET', '/mcp/servers/fx')).json.server ?? {}) as { status?: string }).status ===
        'connected'
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // Phase 1: 100 answered calls, seen in the trail (so written).
    for (let i = 0; i < 100; i++)
      expect(
        (
          await api(url, 'POST', '/mcp/tool/call', {
            serverName: 'fx',
            methodName: 'echo',
            args: { message: 'm' },
          })
        ).status,
      ).to.equal(200);
    for (let i = 0; (await records(url)).length < 100; i++) {
      if (i > 500) throw new Error('phase 1 records never appeared');
      await new Promise((r) => setTimeout(r, 20));
    }
    // Phase 2: calls in flight from 8 clients when the gateway is killed.
    const acked: number[] = [];
    let started = 0;
    let stop = false;
    const loop = async (): Promise<void> => {
      while (!stop) {
        started++;
        const ok = await api(url, 'POST', '/mcp/tool/call', {
          serverName: 'fx',
          methodName: 'add',
          args: { a: 1, b: 2 },
        }).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok && !stop) acked.push(Date.now());
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    while (acked.length < 150) await new Promise((r) => setTimeout(r, 10));
    const killedAt = Date.now();
    running.child.kill('SIGKILL');
    stop = true;
    await exited(running.child);
    await Promise.all(loops);

    running = await startGatewayProcess(env);
    const after = await records(running.url);
    expect(after.filter((r) => r.target === 'echo')).to.have.length(100);
    expect(new Set(after.map((r) => r.id)).size).to.equal(after.length);
    const adds = after.filter((r) => r.target === 'add').length;
    expect(adds).to.be.at.most(started);
    // Generous margin over the flush interval: the promise is about the interval, not the scheduler.
    expect(adds).to.be.at.least(acked.filter((t) => t <= killedAt - 1000 - FLUSH_MS).length);
  });
});
