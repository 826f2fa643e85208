import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INDEX_FILE } from '../src/events/fileIndexCheckpoint.js';
import { generateLog } from '../test/support/logGenerator.js';
import type { EventStore, NewEvent } from '../src/events/eventStore.js';
import { openFileEventStore } from '../src/events/fileEventStore.js';
import { createMemoryEventStore } from '../src/events/memoryEventStore.js';
import { Projector } from '../src/projections/projector.js';
import { silentLogger } from '../src/logger.js';
import { percentile, round } from './stats.js';

let seq = 0;
const sealed = {
  keyVersion: 1,
  iv: 'AAAAAAAAAAAAAAAA',
  tag: 'AAAAAAAAAAAAAAAAAAAAAA==',
  data: 'c2VjcmV0LXZhbHVl',
};
const meta = () => ({ eventId: `bench-${++seq}`, occurredAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1 });
const config = {
  transport: { transportType: 'stdio', command: 'node', args: ['server.js'], env: {} },
  timeout: 60000,
  startupTimeout: 30000,
};

/** A realistic mix: a few servers, many users, mostly secret writes. */
export function syntheticEvent(i: number): { stream: string; event: NewEvent } {
  const server = `srv-${i % 50}`;
  if (i < 50)
    return {
      stream: `server-${server}`,
      event: {
        type: 'ServerRegistered',
        data: { serverId: server, name: server, config, enabled: true },
        metadata: meta(),
      },
    };
  const user = `user-${i % 5000}`;
  return {
    stream: `secrets-${server}-${user}`,
    event: {
      type: 'SecretSet',
      data: { serverId: server, serverName: server, username: user, secretName: `K${i % 7}`, sealed },
      metadata: meta(),
    },
  };
}

async function appendLoad(
  store: EventStore,
  writers: number,
  durationMs: number,
): Promise<{ appendsPerSec: number; p99: number; p50: number }> {
  const latencies: number[] = [];
  const until = Date.now() + durationMs;
  let i = 1000;
  const worker = async (): Promise<void> => {
    while (Date.now() < until) {
      const { stream, event } = syntheticEvent(i++);
      const t0 = process.hrtime.bigint();
      await store.append(stream, [event], 'any');
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: writers }, worker));
  latencies.sort((a, b) => a - b);
  return {
    appendsPerSec: round(latencies.length / ((Date.now() - started) / 1000), 0),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
  };
}

export async function eventStoreBench(
  durationMs = 2000,
): Promise<Record<string, Record<string, { appendsPerSec: number; p50: number; p99: number }>>> {
  const out: Record<string, Record<string, { appendsPerSec: number; p50: number; p99: number }>> = {
    file: {},
    memory: {},
  };
  for (const writers of [1, 16, 100]) {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-api-bench-store-'));
    const file = await openFileEventStore({ dir });
    out.file![`w${writers}`] = await appendLoad(file, writers, durationMs);
    await file.close();
    await rm(dir, { recursive: true, force: true });
    const memory = createMemoryEventStore();
    out.memory![`w${writers}`] = await appendLoad(memory, writers, durationMs);
    await memory.close();
  }
  return out;
}

/** Fills a memory store with n synthetic events, then times a full fold into the read models. */
export async function rebuildBench(n: number): Promise<{
  events: number;
  seconds: number;
  eventsPerSec: number;
  peakRssMiB: number;
  fileOpenSeconds?: number;
}> {
  const store = createMemoryEventStore();
  const batch = 1000;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, (_, k) => {
        const { stream, event } = syntheticEvent(i + k);
        return store.append(stream, [event], 'any');
      }),
    );
  }
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = process.hrtime.bigint();
  const projector = new Projector(store, silentLogger());
  await projector.start();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  projector.stop();
  await store.close();
  return {
    events: n,
    seconds: round(seconds),
    eventsPerSec: round(n / seconds, 0),
    peakRssMiB: round(peak / 1048576, 1),
  };
}

export interface OpenRun {
  readonly openSeconds: number;
  readonly recordsRead: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
}

export interface FileScaleResult {
  readonly events: number;
  readonly logMiB: number;
  readonly segments: number;
  /** After a crash with the checkpoint 10,000 events behind the head. */
  readonly afterCrash: OpenRun;
  /** After a clean stop (checkpoint at the head). */
  readonly afterStop: OpenRun;
  /** No checkpoint at all: every record is read and verified (the first start after an upgrade). */
  readonly noCheckpoint: OpenRun;
}

/**
 * Start time and RSS of the file store at `n` events: the log is written straight into segment
 * files with the store's record writer, then opened three ways, each in a fresh process.
 */
export async function fileScaleBench(n: number): Promise<FileScaleResult> {
  const dir = join(await mkdtemp(join(tmpdir(), 'mcp-api-bench-scale-')), 'events');
  try {
    const log = await generateLog(dir, {
      events: n,
      streams: 5000,
      segmentBytes: 256 * 2 ** 20,
      checkpointAt: Math.max(1, n - 10_000),
    });
    const afterCrash = openInChild(dir);
    const afterStop = openInChild(dir);
    await rm(join(dir, INDEX_FILE));
    const noCheckpoint = openInChild(dir);
    return {
      events: n,
      logMiB: round(log.bytes / 2 ** 20, 0),
      segments: log.segments,
      afterCrash,
      afterStop,
      noCheckpoint,
    };
  } finally {
    await rm(join(dir, '..'), { recursive: true, force: true });
  }
}

function openInChild(dir: string): OpenRun {
  const child = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./openStoreChild.js', import.meta.url)), dir],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`opening the store failed: ${child.stderr}`);
  const run = JSON.parse(child.stdout) as OpenRun;
  return {
    openSeconds: round(run.openSeconds, 3),
    recordsRead: run.recordsRead,
    rssMiB: round(run.rssMiB, 1),
    heapMiB: round(run.heapMiB, 1),
  };
}
