import type { DomainEvent } from '../../events/domainEvents.js';
import type { Logger } from '../../logger.js';
import type { Projector } from '../../projections/projector.js';
import { reconcile, type DesiredServer } from './reconcile.js';
import type { ServerPool } from './serverPool.js';

const SERVER_EVENTS = new Set([
  'ServerRegistered',
  'ServerUpdated',
  'ServerEnabled',
  'ServerDisabled',
  'ServerRemoved',
  'PackageUpgraded',
]);

/**
 * Follows the read models and keeps the pool matching them. Runs are serialized and coalesced:
 * a burst of events leads to one reconcile against the latest state, never to stale actions.
 */
export class Reactor {
  private chain: Promise<void> = Promise.resolve();
  private pending = false;
  private readonly onApplied = (event: DomainEvent): void => {
    // schedule() never rejects: it logs its own failures.
    if (SERVER_EVENTS.has(event.type)) void this.schedule();
    // Per-user processes hold secrets in their environment: a change restarts or stops that one.
    if (event.type === 'SecretSet' || event.type === 'SecretDeleted') {
      try {
        this.pool.get(event.data.serverName)?.userSecretsChanged?.(event.data.username);
      } catch (e) {
        this.logger.error('applying a secret change to per-user processes failed', {
          serverName: event.data.serverName,
          error: e,
        });
      }
    }
    // Deleting a user deletes everything acting for them: a new user of that name starts from nothing.
    if (event.type === 'UserDeleted') {
      for (const { name } of this.pool.list()) this.pool.get(name)?.userDeleted?.(event.data.username);
    }
    // A client stored a new grant: a remote connection refused for lack of it retries now.
    if (event.type === 'OAuthTokensStored' && event.data.source === 'api') {
      this.pool.get(event.data.serverName)?.credentialsChanged?.(event.data.username);
    }
  };

  constructor(
    private readonly projector: Projector,
    private readonly pool: ServerPool,
    private readonly logger: Logger,
  ) {}

  /** Reconciles once for the current state (a restart brings enabled servers back), then follows. */
  start(): Promise<void> {
    this.projector.on('applied', this.onApplied);
    return this.schedule();
  }

  stop(): void {
    this.projector.off('applied', this.onApplied);
  }

  /** Resolves when every scheduled reconcile so far has been applied. */
  idle(): Promise<void> {
    return this.chain;
  }

  private schedule(): Promise<void> {
    if (this.pending) return this.chain;
    this.pending = true;
    this.chain = this.chain
      .then(() => {
        this.pending = false;
        this.pool.pruneStopped(
          (name, serverId) => this.projector.readModels.servers.get(name)?.serverId === serverId,
        );
        return this.pool.apply(reconcile(this.desired(), this.pool.running()));
      })
      .catch((e: unknown) => this.logger.error('reconcile failed', { error: e }));
    return this.chain;
  }

  private desired(): DesiredServer[] {
    return [...this.projector.readModels.servers.values()]
      .filter((v) => v.enabled)
      .map((v) => ({ name: v.name, serverId: v.serverId, generation: v.generation, config: v.config }));
  }
}
