import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleCommand } from '../src/commands/commandHandler.js';
import { withDecisionCache } from '../src/commands/decisionCache.js';
import { secretDecider, type SecretCommand } from '../src/commands/secretDecider.js';
import type { EventStore, NewEvent } from '../src/events/eventStore.js';
import { openFileEventStore } from '../src/events/fileEventStore.js';
import { createMemoryEventStore } from '../src/events/memoryEventStore.js';
import { loadAverage } from './cpu.js';
import { median, round } from './stats.js';

const WRITERS = 16;
const sealed = {
  keyVersion: 1,
  iv: 'AAAAAAAAAAAAAAAA',
  tag: 'AAAAAAAAAAAAAAAAAAAAAA==',
  data: 'c2VjcmV0LXZhbHVl',
};
const setSecret = (user: string, i: number): SecretCommand => ({
  type: 'SetSecret',
  data: { serverId: 's1', serverName: 'srv', username: user, secretName: `K${i % 7}`, sealed },
});
const event = (user: string, i: number): NewEvent => ({
  type: 'SecretSet',
  data: { ...setSecret(user, i).data },
  metadata: { eventId: `pre-${user}-${i}`, occurredAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1 },
});

/** `commands` SetSecret commands by WRITERS concurrent writers, each on its own user stream. */
async function writes(store: EventStore, users: readonly string[], commands: number): Promise<number> {
  let next = 0;
  let id = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    users.map(async (user) => {
      while (next++ < commands) {
        const metadata = { now: new Date(), newId: () => `bench-${++id}`, actor: user };
        await handleCommand(store, `secrets-s1-${user}`, secretDecider, setSecret(user, id), metadata);
      }
    }),
  );
  return commands / (Number(process.hrtime.bigint() - started) / 1e9);
}

export interface CommandReport {
  readonly writers: number;
  readonly rows: Array<{
    adapter: string;
    eventsPerStream: number;
    plainPerSec: number;
    cachedPerSec: number;
    load: number;
  }>;
}

/**
 * Secret writes/s on the file store (fsync per group commit) and the memory store with WRITERS writers,
 * by how long each
 * user's stream already is: the plain handler (read + fold the stream per command) against the same
 * store with the decision cache, alternating within each round.
 */
export async function commandBench(quick: boolean): Promise<CommandReport> {
  const rows: CommandReport['rows'] = [];
  for (const [adapter, length] of [
    ['file', 100],
    ['file', 1000],
    ['memory', 100],
    ['memory', 1000],
  ] as const) {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-api-bench-cmd-'));
    const store = adapter === 'file' ? await openFileEventStore({ dir }) : createMemoryEventStore();
    try {
      const users = Array.from({ length: WRITERS }, (_, i) => `user${i}`);
      for (const user of users) {
        for (let i = 0; i < length; i += 100) {
          const batch = Array.from({ length: Math.min(100, length - i) }, (_, k) => event(user, i + k));
          await store.append(`secrets-s1-${user}`, batch, 'any');
        }
      }
      const plain: number[] = [];
      const cached: number[] = [];
      const commands = quick ? 1000 : 4000;
      for (let r = 0; r < (quick ? 3 : 5); r++) {
        // Each writes adds to the streams: both sides see them grow by the same amount.
        plain.push(await writes(store, users, commands / 4));
        cached.push(await writes(withDecisionCache(store), users, commands));
      }
      rows.push({
        adapter,
        eventsPerStream: length,
        plainPerSec: round(median(plain), 0),
        cachedPerSec: round(median(cached), 0),
        load: loadAverage(),
      });
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { writers: WRITERS, rows };
}

export function commandTable(r: CommandReport): string[] {
  const lines = [
    `## Command throughput by stream length (SetSecret, ${r.writers} writers, each on its own user stream)`,
    '',
    'The file store fsyncs every group commit, so its rows are bounded by the disk; the memory rows show',
    'what the handler itself costs.',
    '',
    '| store | events per stream | plain handler writes/s | with decision cache writes/s | load |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const x of r.rows)
    lines.push(`| ${x.adapter} | ${x.eventsPerStream} | ${x.plainPerSec} | ${x.cachedPerSec} | ${x.load} |`);
  return lines;
}
