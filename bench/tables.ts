import type { auditBench } from './auditBench.js';
import type { coldStartManyBench } from './coldStart200Bench.js';
import type { coldStartBench, memoryBench } from './gatewayBench.js';
import type { eventStoreBench, fileScaleBench, rebuildBench } from './storeBench.js';

type Of<F extends (...a: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

/** Markdown for the store sections of `npm run bench`. */
export function storeTables(
  eventStore: Of<typeof eventStoreBench>,
  rebuild: Array<Of<typeof rebuildBench>>,
): string[] {
  const lines = [
    '## Event store appends (one event per append)',
    '',
    '| adapter | writers | appends/s | p50 ms | p99 ms |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [adapter, byWriters] of Object.entries(eventStore)) {
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
  for (const x of rebuild) lines.push(`| ${x.events} | ${x.seconds} | ${x.eventsPerSec} | ${x.peakRssMiB} |`);
  return lines;
}

/** Start time and RSS of the file store at each size. */
export function scaleTable(scale: Array<Of<typeof fileScaleBench>>): string[] {
  const lines = ['## File store start (each open in a fresh process)', ''];
  lines.push(
    '| events | log MiB | segments | open after crash s (records read) | RSS MiB ' +
      '| after stop s | RSS MiB | no checkpoint s | RSS MiB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const x of scale) {
    const { afterCrash: c, afterStop: s, noCheckpoint: f } = x;
    const crash = `${c.openSeconds} (${c.recordsRead}) | ${c.rssMiB}`;
    const rest = `${s.openSeconds} | ${s.rssMiB} | ${f.openSeconds} | ${f.rssMiB}`;
    lines.push(`| ${x.events} | ${x.logMiB} | ${x.segments} | ${crash} | ${rest} |`);
  }
  return lines;
}

/** Markdown for start time, start with many servers, and RSS after a burst of calls. */
export function startTables(
  coldStart: Of<typeof coldStartBench>,
  many: Of<typeof coldStartManyBench>,
  memory: Of<typeof memoryBench>,
): string[] {
  const lines = [
    '## Cold start',
    '',
    '| servers | to listening ms | to all connected ms |',
    '| --- | --- | --- |',
  ];
  for (const [n, x] of Object.entries(coldStart))
    lines.push(`| ${n.slice(1)} | ${x.listeningMs} | ${x.allConnectedMs} |`);
  lines.push(
    '',
    `Cold start with ${many.servers} tiny sh servers: listening after ${many.listeningMs} ms, ` +
      `all connected after ${many.allConnectedMs} ms.`,
    '',
    `Gateway RSS after warm-up ${memory.rssAfterWarmupMiB} MiB, after ${memory.calls} more calls ` +
      `${memory.rssAfterMiB} MiB (growth ${memory.growthMiB} MiB).`,
  );
  return lines;
}

export function auditTable(audit: Of<typeof auditBench>): string[] {
  const lines = [
    `## Audit recorder on the call path (POST /mcp/tool/call, medians of ${audit.rounds} rounds)`,
    '',
    '| level | p50 off ms | p50 on ms | p50 on/off | p99 off ms | p99 on ms |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const [level, x] of Object.entries(audit.levels))
    lines.push(`| ${level} | ${x.off.p50} | ${x.on.p50} | ${x.p50Ratio} | ${x.off.p99} | ${x.on.p99} |`);
  return lines;
}
