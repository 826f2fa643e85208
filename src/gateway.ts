import { randomUUID } from 'node:crypto';
import { createApp } from './http/createApp.js';
import { securityDeps } from './http/securityOptions.js';
import { createIdentity } from './http/authServer/createIdentity.js';
import { GatewayMetrics } from './metrics/gatewayMetrics.js';
import { withDecisionCache } from './commands/decisionCache.js';
import { instrumentStore } from './metrics/instrumentedStore.js';
import { createUrlPolicy } from './net/urlSafety.js';
import { Projector } from './projections/projector.js';
import { checkReadiness } from './runtime/core/readiness.js';
import { createPackageManager } from './runtime/packages/createPackageManager.js';
import { ProcessRegistry } from './runtime/stdio/processRegistry.js';
import { noTelemetry } from './telemetry/telemetry.js';
import { wireCallPath, wireMcpEndpoint } from './wiring/endpointWiring.js';
import type { Gateway, GatewayOptions } from './wiring/gatewayOptions.js';
import { startProjections } from './wiring/projectionWiring.js';
import { wireRuntime } from './wiring/runtimeWiring.js';
import { wireConnectLinks } from './wiring/connectWiring.js';

export type { Gateway, GatewayOptions } from './wiring/gatewayOptions.js';

const SHUTTING_DOWN = {
  ready: false,
  checks: { shutdown: { ok: false, detail: 'the gateway is shutting down' } },
};

/**
 * Wires the layers around a store: projector (read models) → reactor → pool of supervised servers,
 * and the HTTP app on top. Env-free, so tests build as many gateways as they like.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger;
  const registry = options.registry ?? new ProcessRegistry();
  // Collectors read pool/projector lazily at scrape time, so the metrics can exist before them.
  const metrics: GatewayMetrics = new GatewayMetrics(
    {
      servers: () =>
        pool
          .list()
          .map(({ name, snapshot }) => ({ name, status: snapshot.status, restarts: snapshot.restarts })),
      childProcesses: () => registry.size,
      projectionLag: async () => Math.max(0, (await store.headPosition()) - projector.checkpoint),
      mcpSessions: () => mcp.sessionCount,
      perUserProcesses: () => budget.size,
      store: () => ({ ...options.store.stats?.(), writable: options.store.health?.().writable ?? true }),
    },
    options.metricLabels,
  );
  const telemetry = options.telemetry ?? noTelemetry;
  // Commands on long streams (a user's secrets) decide from the state they last decided, not a re-read.
  const store = withDecisionCache(
    instrumentStore(options.store, (seconds) => metrics.observeAppend(seconds)),
  );
  const projector = new Projector(store, logger.child({ component: 'projector' }));
  const clock = options.clock ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  const urlPolicy = options.remote?.urlPolicy ?? createUrlPolicy();
  const { pool, reactor, access, caller, budget, connect, closeRemote } = wireRuntime({
    options,
    store,
    projector,
    registry,
    logger,
    clock,
    newId,
    urlPolicy,
    telemetry,
    secretBox: options.secretBox,
  });
  const packages = createPackageManager({
    settings: options.packages,
    store,
    projector,
    logger,
    clock,
    newId,
    parentEnv: options.parentEnv,
    registry,
    sandbox: options.sandbox?.installer(),
    serversSettled: () => reactor.idle(),
    defaults: options.defaults,
  });
  const checkpointer = await startProjections({
    projector,
    store: options.store,
    secretBox: options.secretBox,
    logger,
    snapshots: options.snapshots,
    checkpointIntervalMs: options.checkpointIntervalMs,
    acceptShorterLog: options.acceptShorterLog,
  });
  // Servers come back in the background: the HTTP server must not wait for slow children.
  let serversStarted = false;
  const startServers = (): void => {
    if (serversStarted) return;
    serversStarted = true;
    logger.info('starting servers', { servers: projector.readModels.servers.size });
    void reactor.start();
  };
  if (!options.deferServerStart) startServers();
  // Package recovery (interrupted installs) too; package writes wait for it, reads do not.
  void packages.start();

  const connectLinks = wireConnectLinks(options.security, clock);
  const callPath = {
    projector,
    pool,
    caller,
    metrics,
    telemetry,
    logger,
    clock,
    newId,
    connectLink: connectLinks.link,
  };
  const { runtime, audit } = wireCallPath({ ...callPath, audit: options.audit });
  const mcp = wireMcpEndpoint({
    store,
    projector,
    pool,
    runtime,
    access,
    logger,
    clock,
    newId,
    limits: options.mcp,
    ...(audit ? { audit: { trail: audit, traceId: () => telemetry.traceId() } } : {}),
  });
  const signIn = await createIdentity({ security: options.security, store, projector, clock, newId, logger });

  let shuttingDown = false;
  const app = createApp({
    store,
    projector,
    runtime,
    mcp,
    ops: {
      readiness: async () => (shuttingDown ? SHUTTING_DOWN : checkReadiness(store, projector, pool)),
      metrics: async () => ({
        contentType: metrics.registry.contentType,
        body: await metrics.registry.metrics(),
      }),
      serverHealth: () => metrics.serverHealth(),
    },
    secretBox: options.secretBox,
    logger,
    clock,
    newId,
    packages,
    bodyLimit: options.bodyLimit,
    defaults: options.defaults,
    urlPolicy,
    security: securityDeps(options.security, projector, clock, signIn?.principalFor),
    access,
    ...(signIn ? { identity: signIn.deps } : {}),
    connect: { service: connect, links: connectLinks.links },
    telemetry,
    ...(audit ? { audit: { log: audit.log } } : {}),
  });

  return {
    app,
    projector,
    pool,
    reactor,
    registry,
    metrics,
    mcp,
    runtime,
    packages,
    startServers,
    beginShutdown: () => void (shuttingDown = true),
    async close() {
      await packages.close();
      reactor.stop();
      projector.stop();
      await mcp.close();
      await checkpointer?.stop();
      await reactor.idle();
      await pool.stopAll();
      await closeRemote();
      // Last: calls failed by the shutdown above are recorded too, and their spans exported.
      await audit?.close();
      await telemetry.shutdown();
    },
  };
}
