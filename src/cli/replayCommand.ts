import * as z from 'zod';
import { replayUntil, type StateAsOf } from '../projections/stateAsOf.js';
import type { CliCommand } from './cliCommand.js';
import { parseArgs, parseOptions } from './cliArgs.js';
import { withStorage } from './cliStorage.js';

const isoTime = z.iso.datetime({ offset: true });
const Until = z
  .string()
  .refine(
    (v) => /^\d+$/.test(v) || isoTime.safeParse(v).success,
    'use a position (an integer) or an ISO-8601 time with a zone, e.g. 2026-01-31T12:00:00Z',
  )
  .transform((v): { position: number } | { time: string } =>
    /^\d+$/.test(v) ? { position: Number(v) } : { time: v },
  );
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
      const state = await replayUntil(storage.events, until, context.logger);
      if (options.json) context.out(JSON.stringify(state));
      else printState(context.out, state);
      return 0;
    });
  },
};

function printState(out: (text: string) => void, state: StateAsOf): void {
  out(`state as of position ${state.position}${state.occurredAt ? ` (${state.occurredAt})` : ''}`);
  out(`servers (${state.servers.length}):`);
  for (const s of state.servers)
    out(
      `  ${String(s.name)}  ${s.enabled ? 'enabled' : 'disabled'}  ${String(s.command)} ` +
        `${(s.args as string[]).join(' ')}`,
    );
  out(`secrets (${state.secrets.reduce((n, s) => n + s.secretNames.length, 0)}):`);
  for (const s of state.secrets) out(`  ${s.serverName} / ${s.username}: ${s.secretNames.join(', ')}`);
  out(`packages (${state.packages.length}):`);
  for (const p of state.packages)
    out(`  ${String(p.serverName)}  ${String(p.name)}@${String(p.version ?? '-')}  ${String(p.status)}`);
  for (const [name, value] of Object.entries(state.other)) out(`${name}: ${JSON.stringify(value)}`);
}
