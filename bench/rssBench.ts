import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { loadAverage } from './cpu.js';
import { api, authHeaders, rssMiB, startFixtureGateway } from './processes.js';
import { runLoad } from './stats.js';

const USERS = 100;
const STEPS = 10;

export interface RssReport {
  readonly calls: number;
  readonly users: number;
  readonly samples: Array<{ calls: number; rssMiB: number; load: number }>;
}

/**
 * The gateway's RSS every calls/10 tool calls (REST, concurrency 16), the calls spread over USERS
 * users with a secret each: memory must not grow with calls, nor per user beyond their first call.
 */
export async function rssOverCalls(calls: number): Promise<RssReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-bench-rss-'));
  const gw = await startFixtureGateway(dataDir);
  const pool = new Pool(gw.url, { connections: 16 });
  try {
    const users = Array.from({ length: USERS }, (_, i) => `rss${i}`);
    for (const username of users) {
      await api(gw.url, 'POST', '/secrets/set', {
        ...{ username, serverName: 'fixture', secretName: 'TOKEN' },
        secretValue: `secret-of-${username}`,
      });
    }
    const bodies = users.map((username) =>
      JSON.stringify({
        username,
        serverName: 'fixture',
        methodName: 'echo_secret',
        args: { name: 'message', message: 'hi' },
      }),
    );
    const headers = authHeaders();
    let n = 0;
    const once = async (): Promise<void> => {
      const body = bodies[n++ % USERS] as string;
      const res = await pool.request({ path: '/mcp/tool/call', method: 'POST', headers, body });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${text}`);
    };
    const pid = gw.child.pid as number;
    await runLoad(once, 16, 2000, 0);
    const samples = [{ calls: 0, rssMiB: rssMiB(pid), load: loadAverage() }];
    for (let step = 1; step <= STEPS; step++) {
      await runLoad(once, 16, calls / STEPS, 0);
      samples.push({ calls: (calls / STEPS) * step, rssMiB: rssMiB(pid), load: loadAverage() });
      process.stderr.write(`rss after ${(calls / STEPS) * step} calls: ${samples.at(-1)?.rssMiB} MiB\n`);
    }
    return { calls, users: USERS, samples };
  } finally {
    await pool.close();
    await gw.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function rssTable(r: RssReport): string[] {
  const lines = [
    `## Gateway RSS over ${r.calls} REST tool calls (${r.users} users, concurrency 16, after 2,000 warm-up calls)`,
    '',
    '| calls | RSS MiB | load |',
    '| --- | --- | --- |',
  ];
  for (const s of r.samples) lines.push(`| ${s.calls} | ${s.rssMiB} | ${s.load} |`);
  return lines;
}
