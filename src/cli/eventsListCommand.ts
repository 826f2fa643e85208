import * as z from 'zod';
import { redactForAudit } from '../events/auditRedaction.js';
import { scanEvents } from '../events/eventQuery.js';
import type { CliCommand } from './cliCommand.js';
import { parseArgs, parseOptions } from './cliArgs.js';
import { drained, ndjson, withStorage } from './cliStorage.js';
import { FILTER_USAGE, filterOptionShape, toEventFilter } from './eventFilterOptions.js';

const Options = z.object({ ...filterOptionShape, limit: z.coerce.number().int().min(1).optional() }).strict();

/** `mcp-api events list`: matching events as NDJSON, secrets as ciphertext metadata only. */
export const eventsListCommand: CliCommand = {
  name: ['events', 'list'],
  summary: 'print events as NDJSON (secrets as ciphertext metadata only)',
  usage: `${FILTER_USAGE} [--limit <n>]`,
  async run(context) {
    const options = parseOptions(Options, parseArgs(context.args).options);
    return withStorage(context, { readOnly: true }, async (storage) => {
      let printed = 0;
      for await (const event of scanEvents(storage.events, toEventFilter(options))) {
        if (options.limit !== undefined && printed >= options.limit) break;
        context.out(ndjson(redactForAudit(event)));
        printed++;
        await drained();
      }
      return 0;
    });
  },
};
