import * as z from 'zod';
import type { RecordedEvent } from '../events/eventStore.js';
import { foldEvent } from '../projections/foldEvent.js';
import { READ_MODELS_SNAPSHOT, snapshotFormat, toSnapshot } from '../projections/projectionSnapshots.js';
import { encodeReadModels } from '../projections/readModelCodec.js';
import { initialReadModels } from '../projections/readModels.js';
import type { CliCommand } from './cliCommand.js';
import { parseArgs, parseOptions } from './cliArgs.js';
import { withStorage } from './cliStorage.js';

const Options = z.object({ json: z.literal(true).optional() }).strict();
const PAGE = 5000;

/**
 * `mcp-api projections rebuild`: drops the checkpointed read models, folds the whole log again
 * from position 1 with the same fold the gateway uses, and saves the result as the new
 * checkpoint. On the way it compares with the dropped snapshot at that snapshot's checkpoint, so
 * the operator learns whether incremental building had drifted from a rebuild.
 * A running gateway keeps its in-memory models; it picks the new snapshot up at its next start.
 */
export const projectionsRebuildCommand: CliCommand = {
  name: ['projections', 'rebuild'],
  summary: 'drop checkpointed read models and rebuild them from position 1 (reports events/s)',
  usage: '[--json]',
  async run(context) {
    const options = parseOptions(Options, parseArgs(context.args, ['json']).options);
    return withStorage(context, { readOnly: true }, async (storage) => {
      const format = await snapshotFormat();
      const previous = await storage.snapshots.load(READ_MODELS_SNAPSHOT);
      const comparable =
        previous && previous.format === format && previous.checkpoint > 0 ? previous : undefined;
      await storage.snapshots.drop(READ_MODELS_SNAPSHOT);

      const models = initialReadModels();
      let last: RecordedEvent | undefined;
      let events = 0;
      let matchesPrevious: boolean | null = comparable ? false : null;
      const started = performance.now();
      for (let from = 1; ;) {
        const page = await storage.events.readAll(from, PAGE);
        for (const event of page) {
          foldEvent(models, event, context.logger);
          last = event;
          events++;
          if (comparable && event.position === comparable.checkpoint) {
            matchesPrevious =
              event.metadata.eventId === comparable.eventId && encodeReadModels(models) === comparable.body;
          }
        }
        if (page.length < PAGE) break;
        from = (page.at(-1) as RecordedEvent).position + 1;
      }
      const seconds = (performance.now() - started) / 1000;
      const checkpoint = last?.position ?? 0;
      await storage.snapshots.save(
        READ_MODELS_SNAPSHOT,
        toSnapshot({ models, checkpoint, eventId: last?.metadata.eventId ?? null }, format, new Date()),
      );
      const report = {
        store: storage.kind,
        events,
        checkpoint,
        seconds: Number(seconds.toFixed(3)),
        eventsPerSecond: seconds > 0 ? Math.round(events / seconds) : events,
        servers: models.servers.size,
        previousCheckpoint: previous?.checkpoint ?? null,
        matchesPrevious,
      };
      if (options.json) context.out(JSON.stringify(report));
      else {
        context.out(
          `rebuilt read models from ${events} events (up to position ${checkpoint}) in ${report.seconds} s: ` +
            `${report.eventsPerSecond} events/s`,
        );
        if (matchesPrevious === null)
          context.out('no comparable previous checkpoint (none, or written by other projection code)');
        else
          context.out(
            `previous checkpoint at position ${comparable?.checkpoint}: ` +
              `${matchesPrevious ? 'identical to the rebuild' : 'DIFFERED from the rebuild'}`,
          );
        context.out('saved as the new checkpoint; a running gateway uses it from its next start');
      }
      if (matchesPrevious === false)
        context.logger.warn(
          'the checkpointed read models differed from a rebuild; the rebuilt ones are saved now',
        );
      return 0;
    });
  },
};
