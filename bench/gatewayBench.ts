import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import {
  api,
  authHeaders,
  BENCH_CALL,
  FIXTURE,
  rssMiB,
  startFixtureGateway,
  startGatewayProcess,
  waitConnected,
} from './processes.js';
import { median, round, runLoad } from './stats.js';

/** Time to "listening" and to "all N servers connected" for a gateway restarted over N registered servers. */
export async function coldStartBench(
  counts: readonly number[],
  rounds = 2,
): Promise<Record<string, { listeningMs: number; allConnectedMs: number }>> {
  const out: Record<string, { listeningMs: number; allConnectedMs: number }> = {};
  for (const n of counts) {
    const dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-bench-cold-'));
    const names = Array.from({ length: n }, (_, i) => `fx${i}`);
    try {
      const setup = await startGatewayProcess(dataDir);
      try {
        for (const name of names)
          await api(setup.url, 'POST', '/mcp/servers', { name, command: process.execPath, args: [FIXTURE] });
        await waitConnected(setup.url, names);
      } finally {
        await setup.stop();
      }
      const listening: number[] = [];
      const connected: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const gw = await startGatewayProcess(dataDir);
        try {
          await waitConnected(gw.url, names);
          const done = process.hrtime.bigint();
          listening.push(Number(gw.listeningAt - gw.startedAt) / 1e6);
          connected.push(Number(done - gw.startedAt) / 1e6);
        } finally {
          await gw.stop();
        }
      }
      out[`n${n}`] = {
        listeningMs: round(median(listening), 1),
        allConnectedMs: round(median(connected), 1),
      };
    } finally {
      // Only after every gateway on it has exited (see coldStart200Bench.ts).
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  return out;
}

/** RSS of the gateway process after warm-up and after `calls` more tool calls: growth per call should be ~0. */
export async function memoryBench(
  calls: number,
): Promise<{ calls: number; rssAfterWarmupMiB: number; rssAfterMiB: number; growthMiB: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-bench-mem-'));
  const gw = await startFixtureGateway(dataDir);
  try {
    const pool = new Pool(gw.url, { connections: 16 });
    const body = BENCH_CALL;
    const headers = authHeaders();
    const once = async (): Promise<void> => {
      const res = await pool.request({ path: '/mcp/tool/call', method: 'POST', headers, body });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    };
    await runLoad(once, 16, 10_000, 0);
    const warm = rssMiB(gw.child.pid as number);
    await runLoad(once, 16, calls, 0);
    const after = rssMiB(gw.child.pid as number);
    await pool.close();
    return { calls, rssAfterWarmupMiB: warm, rssAfterMiB: after, growthMiB: round(after - warm, 1) };
  } finally {
    await gw.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
