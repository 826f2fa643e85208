import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import * as z from 'zod';
import type { EventStore, NewEvent } from '../events/eventStore.js';
import type { CliCommand } from './cliCommand.js';
import { parseArgs, parseOptions, UsageError } from './cliArgs.js';
import { withStorage } from './cliStorage.js';

const ExportedEvent = z.object({
  position: z.number().int().min(1),
  streamId: z.string().min(1),
  version: z.number().int().min(1),
  type: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
  metadata: z.looseObject({
    eventId: z.string().min(1),
    occurredAt: z.string().min(1),
    schemaVersion: z.number().int().min(1),
  }),
});

interface StreamState {
  version: number;
  readonly ids: Set<string>;
}

/** A sealed box exported without --include-ciphertext has lost what decrypts it. */
function hasRedactedSecret(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (!Array.isArray(value) && (value as Record<string, unknown>).sealed === true && !('iv' in value))
    return true;
  return Object.values(value).some(hasRedactedSecret);
}

/**
 * `mcp-api events import <file|->`: appends an `events export --include-ciphertext` file to the
 * configured store, stream by stream with the exported versions as expected versions, in the
 * exported order. Events already present (same event id) are skipped, so an interrupted import
 * can be run again; a stream that already holds other events is refused, not merged.
 */
export const eventsImportCommand: CliCommand = {
  name: ['events', 'import'],
  summary: 'append an NDJSON export (made with --include-ciphertext) to this store',
  usage: '<file | ->',
  async run(context) {
    const { options, positionals } = parseArgs(context.args);
    parseOptions(z.object({}).strict(), options);
    const source = positionals[0];
    if (!source || positionals.length > 1) throw new UsageError('name one NDJSON file, or - for stdin');
    const input = source === '-' ? process.stdin : createReadStream(source);
    return withStorage(context, {}, async (storage) => {
      const result = await importLines(storage.events, createInterface({ input, crlfDelay: Infinity }));
      context.out(
        `imported ${result.imported} events into ${storage.kind} store ${storage.where}; ${result.skipped} were ` +
          `already present`,
      );
      return 0;
    });
  },
};

async function importLines(
  store: EventStore,
  lines: AsyncIterable<string>,
): Promise<{ imported: number; skipped: number }> {
  const streams = new Map<string, StreamState>();
  let group: { streamId: string; events: NewEvent[]; expected: number } | undefined;
  let imported = 0;
  let skipped = 0;
  const flush = async (): Promise<void> => {
    if (!group) return;
    await store.append(group.streamId, group.events, group.expected);
    imported += group.events.length;
    group = undefined;
  };
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let parsed: z.infer<typeof ExportedEvent>;
    try {
      parsed = ExportedEvent.parse(JSON.parse(line));
    } catch {
      throw new Error(`line ${lineNo}: not an exported event`);
    }
    if (hasRedactedSecret(parsed.data)) {
      throw new Error(
        `line ${lineNo}: this export has redacted secrets; export again with --include-ciphertext`,
      );
    }
    if (group && (group.streamId !== parsed.streamId || group.events.length >= 500)) await flush();
    let state = streams.get(parsed.streamId);
    if (!state) {
      const existing = await store.readStream(parsed.streamId);
      state = { version: existing.length, ids: new Set(existing.map((e) => e.metadata.eventId)) };
      streams.set(parsed.streamId, state);
    }
    if (state.ids.has(parsed.metadata.eventId)) {
      skipped++;
      continue;
    }
    if (parsed.version !== state.version + 1) {
      throw new Error(
        `line ${lineNo}: stream ${parsed.streamId} is at version ${state.version} here, but the export continues it ` +
          `with version ${parsed.version}`,
      );
    }
    group ??= { streamId: parsed.streamId, events: [], expected: state.version };
    group.events.push({
      type: parsed.type,
      data: parsed.data,
      metadata: parsed.metadata as NewEvent['metadata'],
    });
    state.version++;
    state.ids.add(parsed.metadata.eventId);
  }
  await flush();
  return { imported, skipped };
}
