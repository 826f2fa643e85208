import type { DataKeyStore } from '../crypto/dataKeyStore.js';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { openSecretBox } from '../bootstrap.js';
import { KEY_FILE_NAME } from '../crypto/keyFile.js';
import type { SecretBox } from '../crypto/secretBox.js';
import { parseEvent } from '../events/domainEvents.js';
import type { EventStore, RecordedEvent } from '../events/eventStore.js';
import { DuplicateIdCheck, hash52 } from './duplicateIds.js';
import { silentLogger } from '../logger.js';
import { foldEvent } from '../projections/foldEvent.js';
import { initialReadModels, type ReadModels } from '../projections/readModels.js';
import type { CliCommand, CliContext } from './cliCommand.js';
import { parseArgs, parseOptions } from './cliArgs.js';
import { withStorage } from './cliStorage.js';

const Options = z.object({ json: z.literal(true).optional() }).strict();
type KeyReport = Record<string, { secrets: number; decryptable: number; failed: number }>;

/**
 * `mcp-api verify`: checks the stored log (the adapter's checksums and framing), the sequence
 * (unique positions and event ids, contiguous versions per stream, every event readable), and
 * that every current secret decrypts with the configured keys, counted per key version.
 * Exit code 0 when all is well, 1 when anything is wrong. Never prints a secret.
 */
export const verifyCommand: CliCommand = {
  name: ['verify'],
  summary: 'check the log: checksums, contiguous versions, decryptable secrets per key version',
  usage: '[--json]',
  async run(context) {
    const options = parseOptions(Options, parseArgs(context.args, ['json']).options);
    return withStorage(context, { readOnly: true }, async (storage) => {
      const box = await secretBoxIfConfigured(context, storage.dataKeys);
      const log = await storage.checkLog();
      const problems = [...log.problems];
      const models = initialReadModels();
      const versions = new Map<string, number>();
      const ids = new DuplicateIdCheck();
      let events = 0;
      let unknownTypes = 0;
      let previous = 0;
      let gaps = 0;
      // A log that fails its own check cannot be read reliably: report that alone.
      for (let from = 1; log.ok;) {
        const page = await storage.events.readAll(from, 5000);
        for (const event of page) {
          events++;
          if (event.position <= previous) problems.push(`position ${event.position} is out of order`);
          if (event.position > previous + 1) gaps++;
          previous = event.position;
          const version = versions.get(event.streamId) ?? 0;
          if (event.version !== version + 1)
            problems.push(`stream ${event.streamId}: version ${event.version} follows ${version}`);
          versions.set(event.streamId, event.version);
          ids.add(event.metadata.eventId);
          try {
            if (!parseEvent(event)) unknownTypes++;
          } catch {
            problems.push(`position ${event.position}: ${event.type} does not match its schema`);
          }
          foldEvent(models, event, silentLogger());
        }
        if (page.length < 5000) break;
        from = (page.at(-1) as RecordedEvent).position + 1;
      }
      const twice = log.ok ? await duplicateIds(storage.events, ids.candidates()) : [];
      for (const id of twice) problems.push(`event id ${id} appears twice`);
      // Mongo seals the positions of appends whose writer died as holes; anywhere else a gap is damage.
      if (gaps > 0 && storage.kind !== 'mongo') problems.push(`${gaps} gaps in the position sequence`);
      const keys = box ? checkSecrets(models, box) : undefined;
      for (const [version, k] of Object.entries(keys ?? {}))
        if (k.failed > 0) problems.push(`${k.failed} secrets with key version ${version} do not decrypt`);
      const report = {
        ok: log.ok && problems.length === 0,
        store: storage.kind,
        where: storage.where,
        events,
        streams: versions.size,
        head: previous,
        unknownEventTypes: unknownTypes,
        log: log.details,
        secretsByKeyVersion: keys ?? 'not checked: no secrets key configured',
        problems,
      };
      if (options.json) context.out(JSON.stringify(report));
      else printReport(context.out, report);
      return report.ok ? 0 : 1;
    });
  },
};

/** Second pass, only when some id hashes collided: which ids really occur more than once. */
async function duplicateIds(events: EventStore, candidates: Set<number>): Promise<string[]> {
  if (candidates.size === 0) return [];
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (let from = 1; ;) {
    const page = await events.readAll(from, 5000);
    for (const event of page) {
      const id = event.metadata.eventId;
      if (!candidates.has(hash52(id))) continue;
      if (seen.has(id)) twice.add(id);
      seen.add(id);
    }
    if (page.length < 5000) return [...twice];
    from = (page.at(-1) as RecordedEvent).position + 1;
  }
}

async function secretBoxIfConfigured(
  context: CliContext,
  dataKeys: DataKeyStore,
): Promise<SecretBox | undefined> {
  const { config } = context;
  if (config.SECRETS_KEY === undefined && !config.SECRETS_KEYS) {
    // verify must not generate a key file as a side effect.
    const exists = await access(join(config.DATA_DIR, KEY_FILE_NAME)).then(
      () => true,
      () => false,
    );
    if (!exists) return undefined;
  }
  return openSecretBox(config, context.logger, dataKeys);
}

function checkSecrets(models: ReadModels, box: SecretBox): KeyReport {
  const report: KeyReport = {};
  const nameOf = new Map([...models.servers.values()].map((s) => [s.serverId, s.name]));
  for (const [serverId, users] of models.secrets) {
    for (const [username, names] of users) {
      for (const [secretName, sealed] of names) {
        const entry = (report[String(sealed.keyVersion)] ??= { secrets: 0, decryptable: 0, failed: 0 });
        entry.secrets++;
        try {
          box.open(sealed, { username, serverName: nameOf.get(serverId) ?? '', secretName });
          entry.decryptable++;
        } catch {
          entry.failed++;
        }
      }
    }
  }
  return report;
}

function printReport(
  out: (text: string) => void,
  r: {
    ok: boolean;
    store: string;
    where: string;
    events: number;
    streams: number;
    head: number;
    unknownEventTypes: number;
    log: Record<string, unknown>;
    secretsByKeyVersion: KeyReport | string;
    problems: string[];
  },
): void {
  out(`${r.store} store ${r.where}: ${r.events} events in ${r.streams} streams, head ${r.head}`);
  out(
    `log: ${Object.entries(r.log)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ')}`,
  );
  if (r.unknownEventTypes > 0)
    out(`${r.unknownEventTypes} events of types this build does not know (skipped by projections)`);
  if (typeof r.secretsByKeyVersion === 'string') out(`secrets: ${r.secretsByKeyVersion}`);
  else
    for (const [v, k] of Object.entries(r.secretsByKeyVersion))
      out(`secrets with key version ${v}: ${k.secrets} (${k.decryptable} decryptable, ${k.failed} not)`);
  for (const p of r.problems) out(`PROBLEM: ${p}`);
  out(r.ok ? 'OK' : 'NOT OK');
}
