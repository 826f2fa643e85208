import type Koa from 'koa';
import type { AuditSettings } from '../audit/auditTrail.js';
import type { UserSecretBox } from '../crypto/userSecretBox.js';
import type { EventStore } from '../events/eventStore.js';
import type { SnapshotStore } from '../events/snapshotStore.js';
import type { ServerDefaults } from '../http/appDeps.js';
import type { SecurityOptions } from '../http/securityOptions.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics, LabelLimits } from '../metrics/gatewayMetrics.js';
import type { Projector } from '../projections/projector.js';
import type { Reactor } from '../runtime/core/reactor.js';
import type { RestartPolicy } from '../runtime/core/restartPolicy.js';
import type { ServerPool } from '../runtime/core/serverPool.js';
import type { RuntimePort, UpstreamCapabilities } from '../runtime/core/types.js';
import type { McpEndpoint, McpEndpointLimits } from '../runtime/endpoint/mcpEndpoint.js';
import type { PackageSettings } from '../runtime/packages/createPackageManager.js';
import type { PackageManager } from '../runtime/packages/packageManager.js';
import type { PerUserLimits } from '../runtime/perUser/perUserSupervisor.js';
import type { RemoteOptions } from '../runtime/remote/remoteDeps.js';
import type { Sandbox } from '../runtime/sandbox/sandbox.js';
import type { ProcessRegistry } from '../runtime/stdio/processRegistry.js';
import type { Telemetry } from '../telemetry/telemetry.js';

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
  /** What upstreams are told the gateway can do as a client; default: everything it relays (relay/). */
  readonly upstreamCapabilities?: UpstreamCapabilities;
  /** One upstream message (stdio or remote) larger than this fails its call with result_too_large (10 MiB). */
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

export interface Gateway {
  readonly app: Koa;
  readonly projector: Projector;
  readonly pool: ServerPool;
  readonly reactor: Reactor;
  readonly registry: ProcessRegistry;
  readonly metrics: GatewayMetrics;
  readonly mcp: McpEndpoint;
  /** The one call path REST and /mcp share (audited, measured, traced): for embedding and the bench. */
  readonly runtime: RuntimePort;
  readonly packages: PackageManager;
  /** Starts the enabled servers in the background (once; only needed with `deferServerStart`). */
  startServers(): void;
  /** The gateway is stopping: /readyz answers 503 from now on, so load balancers stop sending traffic. */
  beginShutdown(): void;
  /** Stops every server (shutdown ladder) and detaches from the store; does not close the store. */
  close(): Promise<void>;
}
