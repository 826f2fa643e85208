import { parseEvent, type DomainEvent } from '../events/domainEvents.js';
import type { RecordedEvent } from '../events/eventStore.js';
import type { Logger } from '../logger.js';
import { evolveReadModels, type ReadModels } from './readModels.js';

/**
 * Folds one stored event into the read models: the single definition the projector, a rebuild
 * and a replay share, so they cannot disagree. An event this build cannot read is skipped loudly
 * rather than wedging every read model behind it; the result says whether it was applied.
 */
export function foldEvent(
  models: ReadModels,
  recorded: RecordedEvent,
  logger: Logger,
): DomainEvent | undefined {
  let event: DomainEvent | undefined;
  try {
    event = parseEvent(recorded);
    if (!event)
      logger.warn('skipping event of unknown type', { type: recorded.type, position: recorded.position });
  } catch (e) {
    logger.error('skipping unreadable event', { type: recorded.type, position: recorded.position, error: e });
    return undefined;
  }
  if (event) evolveReadModels(models, event, recorded.metadata.occurredAt);
  return event;
}
