import * as z from 'zod';
import { redactForAudit } from '../events/auditRedaction.js';
import { matchesFilter } from '../events/eventQuery.js';
import type { CliCommand } from './cliCommand.js';
import { parseArgs, parseOptions } from './cliArgs.js';
import { ndjson, withStorage } from './cliStorage.js';
import { FILTER_USAGE, filterOptionShape, toEventFilter } from './eventFilterOptions.js';

const Options = z
  .object({
    ...filterOptionShape,
    count: z.coerce.number().int().min(1).optional(),
    'poll-ms': z.coerce.number().int().min(10).max(60_000).default(250),
  })
  .strict();

/**
 * `mcp-api events tail`: follows the log by position (from --from, else from the end), printing
 * matching events as NDJSON until interrupted or --count events were printed. Polling by
 * position works the same on every store: positions only become readable once final.
 */
export const eventsTailCommand: CliCommand = {
  name: ['events', 'tail'],
  summary: 'follow new events as NDJSON until interrupted',
  usage: `${FILTER_USAGE} [--count <n>] [--poll-ms <ms>]`,
  async run(context) {
    const options = parseOptions(Options, parseArgs(context.args).options);
    const filter = toEventFilter(options);
    return withStorage(context, { readOnly: true }, async (storage) => {
      let stopped = false;
      const stop = (): void => {
        stopped = true;
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        let next = options.from ?? (await storage.events.headPosition()) + 1;
        let printed = 0;
        while (!stopped) {
          const page = await storage.events.readAll(next, 1000);
          for (const event of page) {
            next = event.position + 1;
            if (!matchesFilter(event, filter)) continue;
            context.out(ndjson(redactForAudit(event)));
            if (options.count !== undefined && ++printed >= options.count) return 0;
          }
          if (options.to !== undefined && next > options.to) return 0;
          if (page.length === 0) await new Promise((r) => setTimeout(r, options['poll-ms']));
        }
        return 0;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
  },
};
