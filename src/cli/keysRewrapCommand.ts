import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { withSecrets } from './cliStorage.js';
import { handleCommand } from '../commands/commandHandler.js';
import { secretRewrapDecider, type RewrapItem } from '../commands/secretRewrapDecider.js';
import { secretStreamId } from '../events/secretEvents.js';
import type { CliCommand } from './cliCommand.js';
import { foldStore, liveRecords, needsRewrap, type SealedRecord } from './sealedRecords.js';

const Options = z.object({ limit: z.coerce.number().int().positive().optional() });

function parseArgs(args: readonly string[]): z.infer<typeof Options> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--(limit)(?:=(.*))?$/.exec(args[i] as string);
    if (!m) throw new Error(`unknown option ${args[i]}; usage: mcp-api keys rewrap [--limit <records>]`);
    raw[m[1] as string] = m[2] ?? (args[++i] as string);
  }
  const parsed = Options.safeParse(raw);
  if (!parsed.success) throw new Error('--limit must be a positive whole number');
  return parsed.data;
}

/**
 * `mcp-api keys rewrap`: re-encrypts every live secret under the newest key version (with the
 * owner's data key for it) and records each as a SecretRewrapped event, one stream at a time.
 * Resumable: every run starts from what the log says is still old, so a killed run loses nothing
 * and a second run finishes the job. `--limit` stops after that many records (batches, or tests).
 */
export const keysRewrapCommand: CliCommand = {
  name: ['keys', 'rewrap'],
  summary: 're-encrypt every secret under the newest key version (resumable)',
  async run(context) {
    const { args, logger, out } = context;
    const { limit } = parseArgs(args);
    return withSecrets(context, async (storage, secretBox) => {
      const store = storage.events;
      const current = secretBox.currentVersion;
      const folded = await foldStore(store);
      const old = liveRecords(folded.models).filter((r) => needsRewrap(r.sealed, current));
      const todo = limit === undefined ? old : old.slice(0, limit);
      const streams = new Map<string, SealedRecord[]>();
      for (const r of todo) {
        const key = secretStreamId(r.serverId, r.username);
        streams.set(key, [...(streams.get(key) ?? []), r]);
      }
      logger.info('rewrap starting', {
        keyVersion: current,
        toRewrap: todo.length,
        olderRecords: old.length,
      });
      let rewrapped = 0;
      let failed = 0;
      for (const [streamId, records] of streams) {
        const first = records[0] as SealedRecord;
        await secretBox.prepare(first.username);
        const items: RewrapItem[] = [];
        for (const r of records) {
          const context = { username: r.username, serverName: r.serverName, secretName: r.secretName };
          try {
            items.push({
              secretName: r.secretName,
              from: r.sealed,
              to: secretBox.seal(secretBox.open(r.sealed, context), context),
            });
          } catch {
            failed += 1;
            logger.error('secret cannot be decrypted with the configured keys; left as it is', {
              ...context,
              keyVersion: r.sealed.keyVersion,
            });
          }
        }
        const data = {
          serverId: first.serverId,
          serverName: first.serverName,
          username: first.username,
          items,
        };
        const result = await handleCommand(
          store,
          streamId,
          secretRewrapDecider,
          { type: 'RewrapSecrets', data },
          { now: new Date(), newId: randomUUID, actor: 'keys-rewrap' },
        );
        rewrapped += result.events.length;
        logger.info('rewrap progress', { rewrapped, of: todo.length });
      }
      const after = await foldStore(store, folded.models, folded.position + 1);
      const remaining = liveRecords(after.models).filter((r) => needsRewrap(r.sealed, current)).length;
      out(JSON.stringify({ keyVersion: current, rewrapped, failed, remaining }));
      return failed > 0 ? 1 : 0;
    });
  },
};
