import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { UserSecretBox } from './crypto/userSecretBox.js';
import type { EventStore } from './events/eventStore.js';
import type { ServerDefaults } from './http/appDeps.js';
import { createApp } from './http/createApp.js';
import { securityDeps, type SecurityOptions } from './http/securityOptions.js';
import type { Logger } from './logger.js';
import { Projector } from './projections/projector.js';
import { ArgumentValidator } from './runtime/argumentValidator.js';
import { ManagedServer } from './runtime/managedServer.js';
import { ProcessRegistry } from './runtime/processRegistry.js';
import { Reactor } from './runtime/reactor.js';
import type { RestartPolicy } from './runtime/restartPolicy.js';
import { ServerPool } from './runtime/serverPool.js';
import { ToolCaller } from './runtime/toolCaller.js';

export interface GatewayOptions {
  readonly store: EventStore;
  readonly secretBox: UserSecretBox;
  readonly logger: Logger;
  /** Authentication, Host/Origin checks, limits, the Google flow. */
  readonly security: SecurityOptions;
  readonly defaults: ServerDefaults;
  readonly policy: RestartPolicy;
  readonly shutdownGraceMs: number;
  readonly logLines: number;
  readonly bodyLimit: string | number;
  /** The gateway's own environment; children get only its allow-listed part. */
  readonly parentEnv: NodeJS.ProcessEnv;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  readonly registry?: ProcessRegistry;
}

export interface Gateway {
  readonly app: Koa;
  readonly projector: Projector;
  readonly pool: ServerPool;
  readonly reactor: Reactor;
  readonly registry: ProcessRegistry;
  /** Stops every server (shutdown ladder) and detaches from the store; does not close the store. */
  close(): Promise<void>;
}

/**
 * Wires the layers around a store: projector (read models) → reactor → pool of supervised servers,
 * and the HTTP app on top. Env-free, so tests build as many gateways as they like.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger;
  const registry = options.registry ?? new ProcessRegistry();
  const projector = new Projector(options.store, logger.child({ component: 'projector' }));
  const pool = new ServerPool(
    (server, hooks) =>
      new ManagedServer({
        name: server.name,
        transport: server.config.transport,
        startupTimeoutMs: server.config.startupTimeout,
        logger: logger.child({ component: 'supervisor' }),
        policy: options.policy,
        shutdownGraceMs: options.shutdownGraceMs,
        logLimit: options.logLines,
        parentEnv: options.parentEnv,
        registry,
        redact: hooks.redact,
        onChange: hooks.onChange,
      }),
  );
  const reactor = new Reactor(projector, pool, logger.child({ component: 'reactor' }));
  const caller = new ToolCaller({
    readModels: () => projector.readModels,
    pool,
    secretBox: options.secretBox,
    validator: new ArgumentValidator(logger),
    logger,
    ...(options.security.google.credentials ? { googleCredentials: options.security.google.credentials } : {}),
  });
  const clock = options.clock ?? (() => new Date());

  await projector.start();
  // Servers come back in the background: the HTTP server must not wait for slow children.
  void reactor.start();

  const app = createApp({
    store: options.store,
    projector,
    runtime: { snapshot: (name) => pool.snapshot(name), callTool: (request, signal) => caller.call(request, signal) },
    secretBox: options.secretBox,
    logger,
    clock,
    newId: options.newId ?? randomUUID,
    bodyLimit: options.bodyLimit,
    defaults: options.defaults,
    security: securityDeps(options.security, projector, clock),
  });

  return {
    app,
    projector,
    pool,
    reactor,
    registry,
    async close() {
      reactor.stop();
      projector.stop();
      await reactor.idle();
      await pool.stopAll();
    },
  };
}
