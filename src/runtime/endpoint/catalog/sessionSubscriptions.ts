import { MAX_SESSION_SUBSCRIPTIONS } from '../../../events/mcpSessionEvents.js';
import type { Logger } from '../../../logger.js';
import type { SessionSubscription } from '../../../projections/mcpSessionsProjection.js';
import type { CatalogSource } from './catalogSource.js';

/** Where a legacy session's subscriptions are recorded (absent: modern and stateless requests, nothing to keep). */
export type SubscriptionLog = (subscription: SessionSubscription, held: boolean) => Promise<void>;

/** How long renewing one subscription may take when a session is rebuilt (the client's request waits). */
const RENEW_TIMEOUT_MS = 10_000;

/**
 * The resources one legacy session subscribed to, by server and original URI: what resource updates
 * are routed by, what the session releases upstream when it ends, and (with a log) what is recorded
 * so a rebuilt session subscribes again. At most MAX_SESSION_SUBSCRIPTIONS.
 */
export class SessionSubscriptions {
  private readonly keys = new Set<string>();

  constructor(private readonly log?: SubscriptionLog) {}

  get full(): boolean {
    return this.keys.size >= MAX_SESSION_SUBSCRIPTIONS;
  }

  add(server: string, uri: string): boolean {
    const key = `${server}\n${uri}`;
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }
  delete(server: string, uri: string): boolean {
    return this.keys.delete(`${server}\n${uri}`);
  }
  has(server: string, uri: string): boolean {
    return this.keys.has(`${server}\n${uri}`);
  }
  /** Empties the set, returning what was in it (the session ended: its upstream subscriptions go too). */
  drain(): SessionSubscription[] {
    const all = [...this.keys].map((k) => {
      const at = k.indexOf('\n');
      return { server: k.slice(0, at), uri: k.slice(at + 1) };
    });
    this.keys.clear();
    return all;
  }
  /** Records that the client subscribed (`held`) or unsubscribed; a no-op without a log. */
  record(server: string, uri: string, held: boolean): Promise<void> {
    return this.log?.({ server, uri }, held) ?? Promise.resolve();
  }
}

/**
 * A rebuilt session (after a restart, or on another instance) subscribes upstream again to what its
 * record says it held, before its first request is served. One that cannot be renewed (the server
 * is gone or refuses) stays recorded, so a later rebuild tries again, but is not routed here.
 */
export async function renewSubscriptions(
  catalog: CatalogSource,
  username: string,
  recorded: readonly SessionSubscription[],
  into: SessionSubscriptions,
  logger: Logger,
): Promise<void> {
  await Promise.all(
    recorded.map(async ({ server, uri }) => {
      try {
        await catalog.subscribe(username, server, uri, AbortSignal.timeout(RENEW_TIMEOUT_MS));
        into.add(server, uri);
      } catch (error) {
        logger.warn('a resource subscription of a restored mcp session could not be renewed', {
          server,
          error,
        });
      }
    }),
  );
}
