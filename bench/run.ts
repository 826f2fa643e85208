import { setMaxListeners } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { coldStartManyBench } from './coldStart200Bench.js';
import { coldStartBench, memoryBench } from './gatewayBench.js';
import { eventStoreBench, fileScaleBench, rebuildBench } from './storeBench.js';
import { toolCallBench, toolCallTable } from './toolCallBench.js';
import { auditBench } from './auditBench.js';
import { layersBench, layersTable } from './layersBench.js';
import { commandBench, commandTable } from './commandBench.js';
import { loadAverage } from './cpu.js';
import { rssOverCalls, rssTable } from './rssBench.js';
import { auditTable, scaleTable, startTables, storeTables } from './tables.js';

/**
 * `npm run bench`: every benchmark, side by side in one run, written to bench/results/latest.json and
 * printed as markdown. BENCH_QUICK=1 shrinks sizes for a smoke run (numbers then mean little).
 */
const quick = process.env.BENCH_QUICK === '1';
/**
 * BENCH_LONG=1 adds the 5M-event store start; BENCH_ONLY=calls,layers,commands,rss,store,scale,start,audit picks
 * sections;
 * BENCH_ROUNDS=n sets the tool-call rounds (default 7, 2 with BENCH_QUICK).
 */
const long = process.env.BENCH_LONG === '1';
const only = process.env.BENCH_ONLY?.split(',');
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

async function main(): Promise<void> {
  // The 2025-era SDK client shares one AbortSignal across its fetches; undici lets go of their
  // listeners only at GC, which is not a leak of the gateway's but floods stderr.
  setMaxListeners(0);
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    quick,
    long,
    loadAtStart: loadAverage(),
  };
  const want = (section: string): boolean => !only || only.includes(section);
  const results: Record<string, unknown> = { date: new Date().toISOString(), machine };
  const lines: string[] = [];
  // Each section is printed as soon as it is done: a run cut short keeps what it measured.
  const emit = (...section: string[]): void => {
    lines.push(...section);
    process.stdout.write(section.join('\n') + '\n');
  };
  emit(`Machine: ${JSON.stringify(machine)}`, `Date: ${results.date as string}`, '');
  if (want('calls')) {
    log('tool-call paths, side by side');
    const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 2 : 7));
    const toolCalls = await toolCallBench(rounds, quick);
    results.toolCalls = toolCalls;
    emit('## Tool calls, side by side', '', ...toolCallTable(toolCalls), '');
  }
  if (want('layers')) {
    log('layers: the upstream hop and the call path in-process, the HTTP face alone');
    const layers = await layersBench(quick ? 2 : 5, quick ? { c1: 300, c16: 1000 } : { c1: 2000, c16: 8000 });
    results.layers = layers;
    emit(...layersTable(layers), '');
  }
  if (want('commands')) {
    log('command throughput by stream length');
    const commands = await commandBench(quick);
    results.commands = commands;
    emit(...commandTable(commands), '');
  }
  if (want('rss')) {
    log('gateway RSS over many calls');
    const rss = await rssOverCalls(long ? 1_000_000 : 100_000);
    results.rssOverCalls = rss;
    emit(...rssTable(rss), '');
  }
  if (want('store')) {
    log('event store appends');
    const eventStore = await eventStoreBench(quick ? 500 : 2000);
    log('projection rebuild');
    const rebuild = [
      await rebuildBench(quick ? 10_000 : 100_000),
      await rebuildBench(quick ? 20_000 : 1_000_000),
    ];
    Object.assign(results, { eventStore, rebuild });
    emit(...storeTables(eventStore, rebuild), '');
  }
  if (want('scale')) {
    const scale = [];
    // 100k and 1M even in a quick run: start time and RSS at those sizes are what issue 18 asks for.
    for (const n of long ? [100_000, 1_000_000, 5_000_000] : [100_000, 1_000_000]) {
      log(`file store start at ${n} events`);
      scale.push(await fileScaleBench(n));
    }
    results.scale = scale;
    emit(...scaleTable(scale), '');
  }
  if (want('start')) {
    log('cold start');
    const coldStart = await coldStartBench(quick ? [1, 5] : [1, 10, 50], quick ? 1 : 2);
    log('cold start, many servers');
    const coldStartMany = await coldStartManyBench(200, quick ? 1 : 2);
    log('memory');
    const memory = await memoryBench(quick ? 10_000 : 100_000);
    Object.assign(results, { coldStart, coldStartMany, memory });
    emit(...startTables(coldStart, coldStartMany, memory), '');
  }
  if (want('audit')) {
    log('audit recorder on the call path');
    const audit = await auditBench(quick ? 1 : 3, quick ? { c1: 300, c16: 1000 } : { c1: 1000, c16: 4000 });
    results.audit = audit;
    emit(...auditTable(audit), '');
  }
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}latest.json`, JSON.stringify(results, null, 2) + '\n');
  await writeFile(`${dir}latest.md`, lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
