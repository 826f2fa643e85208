import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { authHeaders, BENCH_CALL, startFixtureGateway, type GatewayProcess } from './processes.js';
import { median, round, runLoad } from './stats.js';

export interface AuditBenchReport {
  readonly rounds: number;
  readonly levels: Record<
    string,
    {
      off: { p50: number; p99: number; throughput: number };
      on: { p50: number; p99: number; throughput: number };
      p50Ratio: number;
    }
  >;
}

async function caller(
  gw: GatewayProcess,
): Promise<{ once: () => Promise<void>; close: () => Promise<void> }> {
  const pool = new Pool(gw.url, { connections: 16, pipelining: 1 });
  const headers = authHeaders();
  const once = async (): Promise<void> => {
    const res = await pool.request({ path: '/mcp/tool/call', method: 'POST', headers, body: BENCH_CALL });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`gateway answered ${res.statusCode}: ${text}`);
  };
  return { once, close: () => pool.close() };
}

/**
 * The audit trail must not change the call path: POST /mcp/tool/call against two gateways, one with
 * AUDIT_ENABLED=false and one with the default recorder, alternating round by round. A p50 ratio
 * (on/off) within noise of 1.0 is the claim; the recorder only pushes to an array on the path.
 */
export async function auditBench(rounds = 3, calls = { c1: 1000, c16: 4000 }): Promise<AuditBenchReport> {
  const dirs = [
    await mkdtemp(join(tmpdir(), 'mcp-api-bench-audit-off-')),
    await mkdtemp(join(tmpdir(), 'mcp-api-bench-audit-on-')),
  ];
  const off = await startFixtureGateway(dirs[0] as string, [], { AUDIT_ENABLED: 'false' });
  const on = await startFixtureGateway(dirs[1] as string, [], { AUDIT_ENABLED: 'true' });
  const paths = { off: await caller(off), on: await caller(on) };
  const samples = new Map<string, Array<{ p50: number; p99: number; throughput: number }>>();
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [level, concurrency] of [
        ['c1', 1],
        ['c16', 16],
      ] as const) {
        for (const [name, path] of Object.entries(paths)) {
          const result = await runLoad(path.once, concurrency, calls[level]);
          samples.set(`${name}@${level}`, [...(samples.get(`${name}@${level}`) ?? []), result]);
          process.stderr.write(
            `audit ${name} round ${r + 1} ${level}: p50 ${result.p50} ms p99 ${result.p99} ms ${result.throughput}/s\n`,
          );
        }
      }
    }
  } finally {
    await paths.off.close();
    await paths.on.close();
    await off.stop();
    await on.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
  const summary = (key: string) => {
    const s = samples.get(key) ?? [];
    return {
      p50: median(s.map((x) => x.p50)),
      p99: median(s.map((x) => x.p99)),
      throughput: median(s.map((x) => x.throughput)),
    };
  };
  const levels: AuditBenchReport['levels'] = {};
  for (const level of ['c1', 'c16']) {
    const a = summary(`off@${level}`);
    const b = summary(`on@${level}`);
    levels[level] = { off: a, on: b, p50Ratio: round(b.p50 / a.p50, 3) };
  }
  return { rounds, levels };
}
