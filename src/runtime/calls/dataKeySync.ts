import type { UserSecretBox } from '../../crypto/userSecretBox.js';
import type { DomainEvent } from '../../events/domainEvents.js';
import { SERVER_HEADER_USER } from '../../events/serverEvents.js';
import type { Logger } from '../../logger.js';

/** Every `dataKeyId` inside an event's data (sealed values sit at most a few levels down). */
function dataKeyIds(value: unknown, depth = 0, out: string[] = []): string[] {
  if (depth > 5 || value === null || typeof value !== 'object') return out;
  const id = (value as { dataKeyId?: unknown }).dataKeyId;
  if (typeof id === 'string') out.push(id);
  for (const v of Object.values(value)) dataKeyIds(v, depth + 1, out);
  return out;
}

/**
 * Keeps this instance's data keys in step with others on a shared store: an event sealed with a key
 * this process lacks triggers a reload of that user's keys; a user deleted elsewhere is forgotten
 * here. Only live events are followed (boot loads every key already), so attach after catch-up.
 */
export function followDataKeys(box: UserSecretBox, logger: Logger): (event: DomainEvent) => void {
  return (event) => {
    const data = event.data as Record<string, unknown>;
    if (event.type === 'UserDeleted') {
      box.forget(String(data.username));
      return;
    }
    const missing = dataKeyIds(data).filter((id) => !box.knows(id));
    if (missing.length === 0) return;
    const username = typeof data.username === 'string' ? data.username : SERVER_HEADER_USER;
    box
      .refresh(username)
      .catch((e: unknown) => logger.warn('could not reload data keys', { username, error: e }));
  };
}
