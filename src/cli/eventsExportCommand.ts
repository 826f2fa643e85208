import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import * as z from 'zod';
import { redactForAudit } from '../events/auditRedaction.js';
import { scanEvents } from '../events/eventQuery.js';
import type { CliCommand } from './cliCommand.js';
import { parseArgs, parseOptions } from './cliArgs.js';
import { drained, ndjson, withStorage } from './cliStorage.js';
import { FILTER_USAGE, filterOptionShape, toEventFilter } from './eventFilterOptions.js';

const Options = z
  .object({
    ...filterOptionShape,
    out: z.string().min(1).optional(),
    'include-ciphertext': z.literal(true).optional(),
  })
  .strict();

/**
 * `mcp-api events export`: the log as NDJSON, one stored event per line. Redacted like `events
 * list` unless --include-ciphertext, which keeps the sealed boxes (still never a plaintext) so
 * `events import` can restore secrets: a backup or a move between stores.
 */
export const eventsExportCommand: CliCommand = {
  name: ['events', 'export'],
  summary: 'write the log as NDJSON (--include-ciphertext for a restorable backup)',
  usage: `${FILTER_USAGE} [--include-ciphertext] [--out <file>]`,
  async run(context) {
    const options = parseOptions(Options, parseArgs(context.args, ['include-ciphertext']).options);
    return withStorage(context, { readOnly: true }, async (storage) => {
      const file = options.out ? createWriteStream(options.out, { mode: 0o600, flags: 'wx' }) : undefined;
      if (file) await once(file, 'open');
      let count = 0;
      try {
        for await (const event of scanEvents(storage.events, toEventFilter(options))) {
          const line = ndjson(options['include-ciphertext'] ? event : redactForAudit(event));
          if (!file) {
            context.out(line);
            await drained();
          } else if (!file.write(line + '\n')) {
            await once(file, 'drain');
          }
          count++;
        }
      } finally {
        if (file)
          await new Promise<void>((resolve, reject) =>
            file.end((e?: Error | null) => (e ? reject(e) : resolve())),
          );
      }
      context.logger.info('exported events', {
        count,
        from: storage.where,
        ...(options.out ? { to: options.out } : {}),
      });
      return 0;
    });
  },
};
