import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bareHop, directStdio, legacyMcp, modernMcp, restPath, type CallPath } from './callPaths.js';
import { mcpProxy, supergateway } from './peerPaths.js';
import { cpuSeconds, loadAverage } from './cpu.js';
import { MAIN, startFixtureGateway, type GatewayProcess } from './processes.js';
import { median, round, runLoad } from './stats.js';

export interface Level {
  readonly concurrency: number;
  readonly calls: number;
}
export const LEVELS = (quick: boolean): readonly Level[] =>
  quick
    ? [
        { concurrency: 1, calls: 100 },
        { concurrency: 16, calls: 400 },
        { concurrency: 64, calls: 800 },
      ]
    : [
        { concurrency: 1, calls: 1000 },
        { concurrency: 16, calls: 4000 },
        { concurrency: 64, calls: 8000 },
      ];

export interface LevelStats {
  readonly p50: number;
  readonly p99: number;
  readonly throughput: number;
  /** CPU of the path's own process (the gateway, the hop, a peer) per call, in µs. */
  readonly cpuUsPerCall: number;
}

export interface ToolCallReport {
  readonly rounds: number;
  readonly load: { readonly min: number; readonly max: number };
  readonly paths: Record<string, { label: string; levels: Record<string, LevelStats> }>;
  readonly missing: Record<string, string>;
}

/** Gateway paths of one build: REST, /mcp stateful and stateless (2025 era), /mcp 2026-07-28, per server. */
async function gatewayPaths(
  gw: GatewayProcess,
  suffix: string,
  missing: Record<string, string>,
): Promise<CallPath[]> {
  const pid = gw.child.pid as number;
  const paths: CallPath[] = [restPath(gw.url, pid, `rest${suffix}`, `REST POST /mcp/tool/call${suffix}`)];
  const tries: Array<[string, () => Promise<CallPath>]> = [
    [
      `mcp-stateful${suffix}`,
      () =>
        legacyMcp(
          gw.url,
          pid,
          `mcp-stateful${suffix}`,
          `/mcp legacy stateful${suffix}`,
          '/mcp?username=bench',
        ),
    ],
    [
      `mcp-stateless${suffix}`,
      () =>
        legacyMcp(
          gw.url,
          pid,
          `mcp-stateless${suffix}`,
          `/mcp legacy stateless${suffix}`,
          '/mcp?username=bench&mode=stateless',
        ),
    ],
    [
      `mcp-2026${suffix}`,
      () => modernMcp(gw.url, pid, `mcp-2026${suffix}`, `/mcp 2026-07-28, v2 client pinned${suffix}`),
    ],
    [
      `per-server${suffix}`,
      () =>
        legacyMcp(
          gw.url,
          pid,
          `per-server${suffix}`,
          `/mcp/servers/fixture/mcp${suffix}`,
          '/mcp/servers/fixture/mcp?username=bench',
        ),
    ],
  ];
  for (const [id, open] of tries) {
    try {
      paths.push(await open());
    } catch (e) {
      missing[id] = e instanceof Error ? e.message.slice(0, 120) : String(e);
    }
  }
  return paths;
}

/**
 * Every path in the same rounds: per round and level, each path runs once, starting at a different path
 * each round (so no path always runs first); medians across rounds. BENCH_BASE=<other dist/src/main.js>
 * adds the gateway paths of another build (suffix " (base)") for a paired A/B in the same rounds.
 */
export async function toolCallBench(rounds: number, quick: boolean): Promise<ToolCallReport> {
  // BENCH_LEVELS=1:300,16:2000 (concurrency:calls): other levels or more calls for a tighter A/B.
  const custom = process.env.BENCH_LEVELS?.split(',').map((l) => {
    const [concurrency, calls] = l.split(':').map(Number);
    return { concurrency: concurrency || 1, calls: calls || 100 };
  });
  const levels = custom ?? LEVELS(quick);
  const dirs: string[] = [];
  const gateways: GatewayProcess[] = [];
  const missing: Record<string, string> = {};
  const paths: CallPath[] = [];
  const samples = new Map<string, LevelStats[]>();
  const loads: number[] = [];
  let done = 0;
  try {
    paths.push(await directStdio(), await bareHop());
    const builds: Array<[string, string]> = [[MAIN, '']];
    if (process.env.BENCH_BASE) builds.push([process.env.BENCH_BASE, ' (base)']);
    for (const [main, suffix] of builds) {
      const dir = await mkdtemp(join(tmpdir(), 'mcp-api-bench-'));
      dirs.push(dir);
      const gw = await startFixtureGateway(dir, [], {}, main);
      gateways.push(gw);
      paths.push(...(await gatewayPaths(gw, suffix, missing)));
    }
    const port = 18000 + Math.floor(Math.random() * 2000);
    try {
      paths.push(await supergateway(port));
    } catch (e) {
      missing.supergateway = String(e);
    }
    try {
      paths.push(...(await mcpProxy(port + 1)));
    } catch (e) {
      missing['mcp-proxy'] = String(e);
    }
    // BENCH_PATHS=floor,rest,... measures only those paths (ids without the " (base)" suffix).
    const picked = process.env.BENCH_PATHS?.split(',');
    if (picked) {
      for (const p of paths.filter((x) => !picked.includes(x.id.replace(' (base)', ''))))
        await p.close().catch(() => undefined);
      paths.splice(0, paths.length, ...paths.filter((x) => picked.includes(x.id.replace(' (base)', ''))));
    }
    // BENCH_DEADLINE_S: no new round starts after this many seconds (a crowded machine), at least one runs.
    const deadline = Date.now() + Number(process.env.BENCH_DEADLINE_S ?? Infinity) * 1000;
    for (let r = 0; r < rounds; r++) {
      if (r > 0 && Date.now() > deadline) break;
      done = r + 1;
      for (const level of levels) {
        for (let k = 0; k < paths.length; k++) {
          const p = paths[(k + r) % paths.length] as CallPath;
          const cpu0 = cpuSeconds(p.pid);
          const key = `${p.id}@${level.concurrency}`;
          let result;
          try {
            result = await runLoad(() => p.once(), level.concurrency, level.calls, quick ? 30 : 200);
          } catch (e) {
            // One failed call voids that run (a benchmark of errors means nothing); the others go on.
            const cause = causes(e);
            missing[`${key} round ${r + 1}`] = `${String(e)}${cause}`.slice(0, 300);
            process.stderr.write(`round ${r + 1} ${key}: failed: ${String(e)}${cause}\n`);
            continue;
          }
          // Warm-up calls count too: CPU is read around the whole run.
          const calls = level.calls + (quick ? 30 : 200);
          const cpuUsPerCall = round(((cpuSeconds(p.pid) - cpu0) / calls) * 1e6, 0);
          const load = loadAverage();
          loads.push(load);
          samples.set(key, [...(samples.get(key) ?? []), { ...result, cpuUsPerCall }]);
          process.stderr.write(
            `round ${r + 1} ${key}: p50 ${result.p50} p99 ${result.p99} ms ${result.throughput}/s ` +
              `${cpuUsPerCall} µs CPU/call (load ${load})\n`,
          );
        }
      }
    }
  } finally {
    for (const p of paths) await p.close().catch(() => undefined);
    for (const gw of gateways) await gw.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
  const report: ToolCallReport['paths'] = {};
  for (const p of paths) {
    const byLevel: Record<string, LevelStats> = {};
    for (const level of levels) {
      const s = samples.get(`${p.id}@${level.concurrency}`) ?? [];
      byLevel[`c${level.concurrency}`] = {
        p50: median(s.map((x) => x.p50)),
        p99: median(s.map((x) => x.p99)),
        throughput: median(s.map((x) => x.throughput)),
        cpuUsPerCall: median(s.map((x) => x.cpuUsPerCall)),
      };
    }
    report[p.id] = { label: p.label, levels: byLevel };
  }
  return { rounds: done, load: { min: Math.min(...loads), max: Math.max(...loads) }, paths: report, missing };
}

/** undici's "fetch failed" says why only in its cause chain (a socket error's code, errno, syscall, peer). */
function causes(e: unknown): string {
  const parts: string[] = [];
  for (let c = e instanceof Error ? e.cause : undefined, depth = 0; c && depth < 4; depth++) {
    const x = c as { name?: unknown; code?: unknown; message?: unknown; syscall?: unknown; cause?: unknown };
    parts.push(
      [x.name, x.code, x.syscall, x.message]
        .filter((v) => v !== undefined)
        .map(String)
        .join(' '),
    );
    c = x.cause;
  }
  return parts.length > 0 ? ` (cause: ${parts.join(' ← ')})` : '';
}

/** One markdown table: every path, every level, with ratios to the floor and to supergateway. */
export function toolCallTable(r: ToolCallReport): string[] {
  const floor = r.paths.floor;
  const sg = r.paths.supergateway;
  const ratio = (a: number, b: number | undefined): string => (b ? String(round(a / b, 2)) : '–');
  const lines = [
    `Medians of ${r.rounds} alternating rounds; 1-minute load ${r.load.min}–${r.load.max} during the runs.`,
    "CPU = the path's own process (gateway, hop or peer), not the client or the echo server.",
    '',
    '| path | conc | p50 ms | p99 ms | calls/s | CPU µs/call | p50 ×floor | calls/s ×floor | p50 ×sg | CPU ×sg |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [id, p] of Object.entries(r.paths)) {
    for (const [level, x] of Object.entries(p.levels)) {
      const f = floor?.levels[level];
      const s = sg?.levels[level];
      lines.push(
        `| ${p.label} | ${level.slice(1)} | ${x.p50} | ${x.p99} | ${x.throughput} | ${x.cpuUsPerCall} | ` +
          `${ratio(x.p50, f?.p50)} | ${ratio(x.throughput, f?.throughput)} | ${ratio(x.p50, s?.p50)} | ` +
          `${ratio(x.cpuUsPerCall, s?.cpuUsPerCall)} |`,
      );
    }
    void id;
  }
  for (const [id, why] of Object.entries(r.missing))
    lines.push(`| ${id}: not measured (${why}) | | | | | | | | | |`);
  return lines;
}
