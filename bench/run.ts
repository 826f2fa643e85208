import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { coldStartManyBench } from './coldStart200Bench.js';
import { coldStartBench, memoryBench } from './gatewayBench.js';
import { eventStoreBench, fileScaleBench, rebuildBench } from './storeBench.js';
import { toolCallBench } from './toolCallBench.js';
import { auditBench } from './auditBench.js';

/**
 * `npm run bench`: every benchmark, side by side in one run, written to bench/results/latest.json and
 * printed as markdown. BENCH_QUICK=1 shrinks sizes for a smoke run (numbers then mean little).
 */
const quick = process.env.BENCH_QUICK === '1';
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

async function main(): Promise<void> {
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    quick,
  };
  log('tool-call path');
  const toolCalls = await toolCallBench(quick ? 1 : 3);
  log('event store appends');
  const eventStore = await eventStoreBench(quick ? 500 : 2000);
  log('projection rebuild');
  const rebuild = [
    await rebuildBench(quick ? 10_000 : 100_000),
    await rebuildBench(quick ? 20_000 : 1_000_000),
  ];
  const scale = [];
  for (const n of quick ? [10_000, 50_000] : [100_000, 1_000_000, 5_000_000]) {
    log(`file store start at ${n} events`);
    scale.push(await fileScaleBench(n));
  }
  log('cold start');
  const coldStart = await coldStartBench(quick ? [1, 5] : [1, 10, 50], quick ? 1 : 2);
  log('cold start, many servers');
  const coldStartMany = await coldStartManyBench(quick ? 50 : 200, quick ? 1 : 2);
  log('memory');
  const memory = await memoryBench(quick ? 10_000 : 100_000);
  log('audit recorder on the call path');
  const audit = await auditBench(quick ? 1 : 3, quick ? { c1: 300, c16: 1000 } : { c1: 1000, c16: 4000 });

  const results = {
    ...{ date: new Date().toISOString(), machine, toolCalls, eventStore, rebuild, scale, coldStart },
    ...{ coldStartMany, memory },
    audit,
  };
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}latest.json`, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(markdown(results) + '\n');
}

function markdown(r: {
  machine: Record<string, unknown>;
  toolCalls: Awaited<ReturnType<typeof toolCallBench>>;
  eventStore: Awaited<ReturnType<typeof eventStoreBench>>;
  rebuild: Array<Awaited<ReturnType<typeof rebuildBench>>>;
  scale: Array<Awaited<ReturnType<typeof fileScaleBench>>>;
  coldStart: Awaited<ReturnType<typeof coldStartBench>>;
  coldStartMany: Awaited<ReturnType<typeof coldStartManyBench>>;
  memory: Awaited<ReturnType<typeof memoryBench>>;
  audit: Awaited<ReturnType<typeof auditBench>>;
}): string {
  const lines = [
    `Machine: ${JSON.stringify(r.machine)}`,
    '',
    `## Tool-call path (medians of ${r.toolCalls.rounds} alternating rounds)`,
    '',
  ];
  lines.push(
    '| path | c1 p50 ms | c1 p99 ms | c16 calls/s | c16 p99 ms | c64 calls/s | c64 p99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const [id, p] of Object.entries(r.toolCalls.paths)) {
    const l = p.levels;
    lines.push(
      `| (${id}) ${p.label} | ${l.c1?.p50} | ${l.c1?.p99} | ${l.c16?.throughput} | ${l.c16?.p99} | ${l.c64?.throughput} | ${l.c64?.p99} |`,
    );
  }
  lines.push(
    '',
    '| ratio | p50 c1 | p99 c1 | throughput c16 | throughput c64 |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const [name, x] of Object.entries(r.toolCalls.ratios))
    lines.push(`| ${name} | ${x.p50_c1} | ${x.p99_c1} | ${x.throughput_c16} | ${x.throughput_c64} |`);
  lines.push(
    '',
    '## Event store appends (one event per append)',
    '',
    '| adapter | writers | appends/s | p50 ms | p99 ms |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const [adapter, byWriters] of Object.entries(r.eventStore)) {
    for (const [w, x] of Object.entries(byWriters))
      lines.push(`| ${adapter} | ${w.slice(1)} | ${x.appendsPerSec} | ${x.p50} | ${x.p99} |`);
  }
  lines.push(
    '',
    '## Projection rebuild',
    '',
    '| events | seconds | events/s | peak RSS MiB |',
    '| --- | --- | --- | --- |',
  );
  for (const x of r.rebuild)
    lines.push(`| ${x.events} | ${x.seconds} | ${x.eventsPerSec} | ${x.peakRssMiB} |`);
  lines.push(
    '',
    '## File store start (each open in a fresh process; memory store: see the rebuild peak RSS)',
    '',
  );
  lines.push(
    '| events | log MiB | segments | open after crash s (records read) | RSS MiB ' +
      '| after stop s | RSS MiB | no checkpoint s | RSS MiB |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const x of r.scale) {
    const { afterCrash: c, afterStop: s, noCheckpoint: f } = x;
    const crash = `${c.openSeconds} (${c.recordsRead}) | ${c.rssMiB}`;
    const rest = `${s.openSeconds} | ${s.rssMiB} | ${f.openSeconds} | ${f.rssMiB}`;
    lines.push(`| ${x.events} | ${x.logMiB} | ${x.segments} | ${crash} | ${rest} |`);
  }
  lines.push(
    '',
    '## Cold start',
    '',
    '| servers | to listening ms | to all connected ms |',
    '| --- | --- | --- |',
  );
  for (const [n, x] of Object.entries(r.coldStart))
    lines.push(`| ${n.slice(1)} | ${x.listeningMs} | ${x.allConnectedMs} |`);
  const many = r.coldStartMany;
  lines.push(
    '',
    `Cold start with ${many.servers} tiny sh servers: listening after ${many.listeningMs} ms, all connected after ${many.allConnectedMs} ms.`,
  );
  lines.push(
    '',
    '## Memory',
    '',
    `Gateway RSS after warm-up ${r.memory.rssAfterWarmupMiB} MiB, after ${r.memory.calls} more calls ${r.memory.rssAfterMiB} MiB (growth ${r.memory.growthMiB} MiB).`,
  );
  lines.push(
    '',
    `## Audit recorder on the call path (POST /mcp/tool/call, medians of ${r.audit.rounds} rounds)`,
    '',
  );
  lines.push('| level | p50 off ms | p50 on ms | p50 on/off | p99 off ms | p99 on ms |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  for (const [level, x] of Object.entries(r.audit.levels)) {
    lines.push(`| ${level} | ${x.off.p50} | ${x.on.p50} | ${x.p50Ratio} | ${x.off.p99} | ${x.on.p99} |`);
  }
  return lines.join('\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
