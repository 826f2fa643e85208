import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { UserSecretBox } from './crypto/userSecretBox.js';
import type { EventStore } from './events/eventStore.js';
import type { SnapshotStore } from './events/snapshotStore.js';
import type { ServerDefaults } from './http/appDeps.js';
import { createApp } from './http/createApp.js';
import { securityDeps, type SecurityOptions } from './http/securityOptions.js';
import type { Logger } from './logger.js';
import { GatewayMetrics } from './metrics/gatewayMetrics.js';
import { instrumentStore } from './metrics/instrumentedStore.js';
import { instrumentRuntime } from './metrics/instrumentedRuntime.js';
import { checkReadiness } from './runtime/core/readiness.js';
import { followDataKeys } from './runtime/calls/dataKeySync.js';
import { Checkpointer, loadSnapshot } from './projections/projectionSnapshots.js';
import { Projector } from './projections/projector.js';
import { ArgumentValidator } from './runtime/calls/argumentValidator.js';
import { createSupervisorFactory } from './runtime/core/createSupervisor.js';
import { NegotiationRecorder } from './runtime/core/negotiationRecorder.js';
import type { UpstreamCapabilities } from './runtime/core/types.js';
import { UserSecrets } from './runtime/calls/userSecrets.js';
import { gatewayToolSource } from './runtime/endpoint/gatewayToolSource.js';
import { McpEndpoint, type McpEndpointLimits } from './runtime/endpoint/mcpEndpoint.js';
import { withDecisionCache } from './commands/decisionCache.js';
import { storeSessionLedger } from './runtime/endpoint/sessionLedger.js';
import type { PerUserLimits } from './runtime/perUser/perUserSupervisor.js';
import { ProcessBudget } from './runtime/perUser/processBudget.js';
import { ProcessRegistry } from './runtime/stdio/processRegistry.js';
import { Reactor } from './runtime/core/reactor.js';
import { createRemoteRuntime, type RemoteOptions } from './runtime/remote/remoteDeps.js';
import { createUrlPolicy } from './net/urlSafety.js';
import type { RestartPolicy } from './runtime/core/restartPolicy.js';
import { ServerPool } from './runtime/core/serverPool.js';
import { ToolCaller } from './runtime/calls/toolCaller.js';
import { createPackageManager, type PackageSettings } from './runtime/packages/createPackageManager.js';
import type { PackageManager } from './runtime/packages/packageManager.js';
import { createAccess } from './policy/access.js';
import { groupsOf } from './projections/identityProjection.js';
import { createIdentity } from './http/authServer/createIdentity.js';
import { auditRuntime } from './audit/auditedRuntime.js';
import { createAuditTrail, type AuditSettings } from './audit/auditTrail.js';
import type { LabelLimits } from './metrics/gatewayMetrics.js';
import { noTelemetry, type Telemetry } from './telemetry/telemetry.js';
import { traceRuntime } from './metrics/tracedRuntime.js';
import type { Sandbox } from './runtime/sandbox/sandbox.js';

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
  /** Remote (Streamable HTTP / SSE) servers: URL policy, idle timeout, OAuth timings. */
  readonly remote?: RemoteOptions;
  /** Servers with secretDelivery "env"; defaults: 10 min idle, 20 per server, 100 in all. */
  readonly perUser?: PerUserLimits & { readonly maxTotal: number };
  /** The /mcp endpoint; defaults: 10 sessions per user, 30 min idle, 16 concurrent calls per session. */
  readonly mcp?: McpEndpointLimits;
  readonly packages: PackageSettings;
  /** Checkpointed read models: restored at start (then caught up), saved periodically and at close. */
  readonly snapshots?: SnapshotStore;
  readonly checkpointIntervalMs?: number;
  /** Start although the log is shorter than the snapshot says (EVENT_LOG_ACCEPT_SHORTER). */
  readonly acceptShorterLog?: boolean;
  /** Servers starting at once (spawn to connected); default 8. */
  readonly startConcurrency?: number;
  /** Leave servers stopped until `startServers()` (the composition root listens first). */
  readonly deferServerStart?: boolean;
  /** What upstreams are told the gateway can do as a client; default nothing (nothing is relayed yet). */
  readonly upstreamCapabilities?: UpstreamCapabilities;
  /** One stdio message larger than this fails its call with result_too_large (default 10 MiB). */
  readonly maxMessageBytes?: number;
  /** Tracing (OpenTelemetry); default off. Shut down (flushed) by close(). */
  readonly telemetry?: Telemetry;
  /** The tool-call audit trail (DATA_DIR/audit); absent: no audit trail. */
  readonly audit?: AuditSettings;
  /** Bounds of the per-tool and per-user metric labels. */
  readonly metricLabels?: LabelLimits;
  /** Every server process and installer runs in it; absent: unsandboxed (SANDBOX=off, most tests). */
  readonly sandbox?: Sandbox;
}

const PER_USER_DEFAULTS = { idleTimeoutMs: 600_000, maxPerServer: 20, maxTotal: 100 };
const SHUTTING_DOWN = {
  ready: false,
  checks: { shutdown: { ok: false, detail: 'the gateway is shutting down' } },
};
const MCP_DEFAULTS: McpEndpointLimits = {
  maxSessionsPerUser: 10,
  sessionIdleTimeoutMs: 1_800_000,
  maxConcurrentCallsPerSession: 16,
};

export interface Gateway {
  readonly app: Koa;
  readonly projector: Projector;
  readonly pool: ServerPool;
  readonly reactor: Reactor;
  readonly registry: ProcessRegistry;
  readonly metrics: GatewayMetrics;
  readonly mcp: McpEndpoint;
  readonly packages: PackageManager;
  /** Starts the enabled servers in the background (once; only needed with `deferServerStart`). */
  startServers(): void;
  /** The gateway is stopping: /readyz answers 503 from now on, so load balancers stop sending traffic. */
  beginShutdown(): void;
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
  const identity = {
    clientInfo: { name: 'mcp-api', version: '0.1.0' },
    capabilities: options.upstreamCapabilities ?? {},
  };
  const negotiations = new NegotiationRecorder(
    store,
    () => projector.readModels,
    () => ({ now: clock(), newId, actor: 'gateway' }),
    logger.child({ component: 'negotiations' }),
  );
  const remote = createRemoteRuntime({
    store,
    readModels: () => projector.readModels,
    secretBox: options.secretBox,
    logger,
    clock,
    newId,
    options: { ...options.remote, urlPolicy },
    identity,
    negotiations,
    telemetry,
  });
  const perUser = { ...PER_USER_DEFAULTS, ...options.perUser };
  const budget = new ProcessBudget(perUser.maxTotal);
  const secrets = new UserSecrets({
    readModels: () => projector.readModels,
    secretBox: options.secretBox,
    logger,
  });
  const pool = new ServerPool(
    createSupervisorFactory({
      readModels: () => projector.readModels,
      logger,
      policy: options.policy,
      shutdownGraceMs: options.shutdownGraceMs,
      logLines: options.logLines,
      parentEnv: options.parentEnv,
      registry,
      remote: remote.deps,
      secrets,
      budget,
      perUser,
      negotiations,
      identity,
      maxMessageBytes: options.maxMessageBytes,
      telemetry,
      sandbox: options.sandbox,
    }),
    options.startConcurrency === undefined ? {} : { startConcurrency: options.startConcurrency },
  );
  const reactor = new Reactor(projector, pool, logger.child({ component: 'reactor' }));
  // The access policy: one port, asked by the call path and by every list (issue 13).
  const access = createAccess({
    rules: () => projector.readModels.policy.rules,
    groupsOf: (u) => groupsOf(projector.readModels.users, u),
  });
  const caller = new ToolCaller({
    access,
    readModels: () => projector.readModels,
    pool,
    secrets,
    validator: new ArgumentValidator(logger),
    telemetry,
    ...(options.security.google.credentials
      ? { googleCredentials: options.security.google.credentials }
      : {}),
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

  const snapshotOptions = { acceptShorterLog: options.acceptShorterLog ?? false };
  const restored = options.snapshots
    ? await loadSnapshot(
        options.store,
        options.snapshots,
        logger.child({ component: 'projector' }),
        snapshotOptions,
      )
    : undefined;
  if (restored) {
    projector.restore(restored.models, restored.checkpoint, restored.eventId);
    logger.info('restored read models from the projection snapshot', { checkpoint: restored.checkpoint });
  }
  await projector.start();
  // After catch-up: only what other instances do from now on needs a key reload or a forget.
  projector.on('applied', followDataKeys(options.secretBox, logger.child({ component: 'data-keys' })));
  const checkpointer = options.snapshots
    ? new Checkpointer(
        projector,
        options.snapshots,
        logger.child({ component: 'projector' }),
        options.checkpointIntervalMs ?? 5000,
      )
    : undefined;
  checkpointer?.start();
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

  const instrumented = instrumentRuntime(
    traceRuntime(
      {
        // A disabled server is no longer in the pool; its last snapshot keeps its recent logs visible.
        snapshot: (name) =>
          pool.snapshot(name) ?? pool.stoppedSnapshot(name, projector.readModels.servers.get(name)?.serverId),
        callTool: (req, signal, extras) => caller.call(req, signal, extras),
      },
      telemetry,
    ),
    (name) => projector.readModels.servers.has(name),
    metrics,
  );
  const audit = options.audit
    ? createAuditTrail(options.audit, {
        logger,
        newId,
        clock,
        onDropped: (n) => metrics.observeAuditDropped(n),
      })
    : undefined;
  const runtime = audit
    ? auditRuntime(instrumented, audit.recorder, audit.scope, clock, () => telemetry.traceId())
    : instrumented;
  const mcp = new McpEndpoint({
    ledger: storeSessionLedger({
      store,
      readModels: () => projector.readModels,
      metadata: () => ({ now: clock(), newId }),
      caughtUp: (position) => projector.waitFor(position),
      logger: logger.child({ component: 'mcp-sessions' }),
    }),
    now: () => clock().getTime(),
    source: gatewayToolSource(
      () => projector.readModels,
      pool,
      (request, signal, extras) => runtime.callTool(request, signal, extras),
      access,
    ),
    logger,
    limits: { ...MCP_DEFAULTS, ...options.mcp },
  });
  pool.subscribe(() => mcp.toolsChanged());
  // A policy or group change changes what lists show: sessions whose list changed are told.
  projector.on('applied', (event: { type: string }) => {
    const changesLists = ['AccessPolicySet', 'UserGroupsSet', 'UserSignedIn'].includes(event.type);
    if (changesLists) mcp.toolsChanged(true);
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
    telemetry,
    ...(audit ? { audit: { log: audit.log, scope: audit.scope } } : {}),
  });

  return {
    app,
    projector,
    pool,
    reactor,
    registry,
    metrics: metrics,
    mcp,
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
      await remote.close();
      // Last: calls failed by the shutdown above are recorded too, and their spans exported.
      await audit?.close();
      await telemetry.shutdown();
    },
  };
}
