import type { ServerConfig } from '../events/serverEvents.js';
import * as z from 'zod';
import { redactData } from '../events/auditRedaction.js';
import type { RecordedEvent } from '../events/eventStore.js';
import { foldEvent } from '../projections/foldEvent.js';
import { decodeReadModels, encodeReadModels } from '../projections/readModelCodec.js';
import { initialReadModels, type ReadModels } from '../projections/readModels.js';
import type { CliCommand } from './cliCommand.js';
import { parseArgs, parseOptions } from './cliArgs.js';
import { withStorage } from './cliStorage.js';

const isoTime = z.iso.datetime({ offset: true });
const Until = z
  .string()
  .refine((v) => /^\d+$/.test(v) || isoTime.safeParse(v).success, 'use a position (an integer) or an ISO-8601 time with a zone, e.g. 2026-01-31T12:00:00Z')
  .transform((v): { position: number } | { time: string } => (/^\d+$/.test(v) ? { position: Number(v) } : { time: v }));
const Options = z.object({ until: Until, json: z.literal(true).optional() }).strict();

/**
 * `mcp-api replay --until <position|ISO time>`: folds the log from the start up to that point with
 * the gateway's own folds and prints the state then: servers, each user's secret names (never
 * values or ciphertext) and any other read model. A time replays the prefix of the log up to the
 * first event that occurred after it.
 */
export const replayCommand: CliCommand = {
  name: ['replay'],
  summary: 'print servers, secret names and other state as of a position or time',
  usage: '--until <position | ISO time> [--json]',
  async run(context) {
    const options = parseOptions(Options, parseArgs(context.args, ['json']).options);
    const until = options.until;
    return withStorage(context, { readOnly: true }, async (storage) => {
      const models = initialReadModels();
      let last: RecordedEvent | undefined;
      const limit = 'time' in until ? Date.parse(until.time) : undefined;
      scan: for (let from = 1; ; ) {
        const page = await storage.events.readAll(from, 5000);
        for (const event of page) {
          if ('position' in until && event.position > until.position) break scan;
          if (limit !== undefined && Date.parse(event.metadata.occurredAt) > limit) break scan;
          foldEvent(models, event, context.logger);
          last = event;
        }
        if (page.length < 5000) break;
        from = (page.at(-1) as RecordedEvent).position + 1;
      }
      const state = describe(models, last);
      if (options.json) context.out(JSON.stringify(state));
      else printState(context.out, state);
      return 0;
    });
  },
};

interface ReplayState {
  position: number;
  occurredAt: string | null;
  servers: Array<Record<string, unknown>>;
  secrets: Array<{ serverName: string; username: string; secretNames: string[] }>;
  other: Record<string, unknown>;
}

function describe(models: ReadModels, last: RecordedEvent | undefined): ReplayState {
  const servers = [...models.servers.values()].sort((a, b) => a.name.localeCompare(b.name));
  const nameOf = new Map(servers.map((s) => [s.serverId, s.name]));
  const secrets = [...models.secrets.entries()].flatMap(([serverId, users]) =>
    [...users.entries()].map(([username, names]) => ({ serverName: nameOf.get(serverId) ?? serverId, username, secretNames: [...names.keys()].sort() })),
  );
  // Read models added by later features are printed generically, secrets inside them redacted.
  const { servers: _s, secrets: _k, ...rest } = decodeReadModels(encodeReadModels(models)) as Record<string, unknown>;
  return {
    position: last?.position ?? 0,
    occurredAt: last?.metadata.occurredAt ?? null,
    servers: servers.map((s) => ({
      name: s.name,
      serverId: s.serverId,
      enabled: s.enabled,
      ...transportSummary(s.config.transport),
      ...(s.config.secretNames ? { secretNames: s.config.secretNames } : {}),
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    })),
    secrets: secrets.sort((a, b) => `${a.serverName}/${a.username}`.localeCompare(`${b.serverName}/${b.username}`)),
    other: redactData(plain(rest)) as Record<string, unknown>,
  };
}

/** What replay shows of a transport: where it runs, never env values or header values. */
function transportSummary(t: ServerConfig['transport']): Record<string, unknown> {
  if (t.transportType === 'stdio') return { transportType: t.transportType, command: t.command, args: t.args, envNames: Object.keys(t.env).sort() };
  return { transportType: t.transportType, url: t.url, headerNames: Object.keys(t.headers).sort() };
}

/** Maps with string keys become objects, so other read models print readably. */
function plain(value: unknown): unknown {
  if (value instanceof Map) {
    const entries = [...value.entries()];
    return entries.every(([k]) => typeof k === 'string') ? Object.fromEntries(entries.map(([k, v]) => [k, plain(v)])) : entries.map(([k, v]) => [k, plain(v)]);
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

function printState(out: (text: string) => void, state: ReplayState): void {
  out(`state as of position ${state.position}${state.occurredAt ? ` (${state.occurredAt})` : ''}`);
  out(`servers (${state.servers.length}):`);
  for (const s of state.servers) out(`  ${String(s.name)}  ${s.enabled ? 'enabled' : 'disabled'}  ${String(s.command)} ${(s.args as string[]).join(' ')}`);
  out(`secrets (${state.secrets.reduce((n, s) => n + s.secretNames.length, 0)}):`);
  for (const s of state.secrets) out(`  ${s.serverName} / ${s.username}: ${s.secretNames.join(', ')}`);
  for (const [name, value] of Object.entries(state.other)) out(`${name}: ${JSON.stringify(value)}`);
}
