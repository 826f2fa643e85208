import { auditCatalog } from '../audit/auditedCatalog.js';
import { auditRuntime } from '../audit/auditedRuntime.js';
import { createAuditTrail, type AuditSettings, type AuditTrail } from '../audit/auditTrail.js';
import type { EventStore } from '../events/eventStore.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gatewayMetrics.js';
import { instrumentRuntime } from '../metrics/instrumentedRuntime.js';
import { traceRuntime } from '../metrics/tracedRuntime.js';
import type { Access } from '../policy/access.js';
import type { Projector } from '../projections/projector.js';
import type { ToolCaller } from '../runtime/calls/toolCaller.js';
import type { ServerPool } from '../runtime/core/serverPool.js';
import type { RuntimePort } from '../runtime/core/types.js';
import { gatewayToolSource } from '../runtime/endpoint/gatewayToolSource.js';
import { gatewayCatalogSource } from '../runtime/endpoint/catalog/catalogSource.js';
import { McpEndpoint, type McpEndpointLimits } from '../runtime/endpoint/mcpEndpoint.js';
import { storeSessionLedger } from '../runtime/endpoint/sessionLedger.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { withConnectHint, type ConnectLink } from '../runtime/remote/oauth/connectHint.js';

const MCP_DEFAULTS: McpEndpointLimits = {
  maxSessionsPerUser: 10,
  sessionIdleTimeoutMs: 1_800_000,
  maxConcurrentCallsPerSession: 16,
};
/** Events that change what a caller's lists show: sessions whose list changed are told. */
const CHANGES_LISTS = new Set(['AccessPolicySet', 'UserGroupsSet', 'UserSignedIn']);

export interface CallPathDeps {
  readonly projector: Projector;
  readonly pool: ServerPool;
  readonly caller: ToolCaller;
  readonly metrics: GatewayMetrics;
  readonly telemetry: Telemetry;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly audit?: AuditSettings;
  /** Where a user without a grant at a remote server's authorization server connects one. */
  readonly connectLink?: ConnectLink;
}

/** The runtime port the HTTP face calls: traced, measured and (when configured) audited, in that order. */
export function wireCallPath(deps: CallPathDeps): { runtime: RuntimePort; audit?: AuditTrail } {
  const { projector, pool, caller, metrics, telemetry, clock } = deps;
  const isRemote = (name: string): boolean =>
    projector.readModels.servers.get(name)?.config.transport.transportType === 'streamable_http';
  const instrumented = instrumentRuntime(
    traceRuntime(
      {
        // A disabled server is no longer in the pool; its last snapshot keeps its recent logs visible.
        snapshot: (name) =>
          pool.snapshot(name) ?? pool.stoppedSnapshot(name, projector.readModels.servers.get(name)?.serverId),
        callTool: (req, signal, extras) => {
          const call = caller.call(req, signal, extras);
          return deps.connectLink ? withConnectHint(call, req, deps.connectLink, isRemote) : call;
        },
      },
      telemetry,
    ),
    (name) => projector.readModels.servers.has(name),
    metrics,
  );
  if (!deps.audit) return { runtime: instrumented };
  const audit = createAuditTrail(deps.audit, {
    logger: deps.logger,
    newId: deps.newId,
    clock,
    onDropped: (n) => metrics.observeAuditDropped(n),
  });
  const runtime = auditRuntime(instrumented, audit.recorder, clock, () => telemetry.traceId());
  return { runtime, audit };
}

export interface EndpointDeps {
  readonly store: EventStore;
  readonly projector: Projector;
  readonly pool: ServerPool;
  readonly runtime: RuntimePort;
  readonly access: Access;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly limits?: McpEndpointLimits;
  /** Resource reads, prompt gets and completions are recorded in the same trail as tool calls. */
  readonly audit?: { readonly trail: AuditTrail; readonly traceId: () => string | undefined };
}

/** The /mcp endpoint: sessions recorded in the store, tools from the pool, list changes fanned out. */
export function wireMcpEndpoint(deps: EndpointDeps): McpEndpoint {
  const { store, projector, pool, clock, newId, logger } = deps;
  const catalog = gatewayCatalogSource(() => projector.readModels, pool, deps.access);
  const { audit } = deps;
  const mcp = new McpEndpoint({
    catalog: audit ? auditCatalog(catalog, audit.trail.recorder, clock, audit.traceId) : catalog,
    visibility: (username, server, kind, name) =>
      name === undefined
        ? deps.access.mayUseAny(username, server, kind)
        : deps.access.allows(username, { server, kind, name }),
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
      (request, signal, extras) => deps.runtime.callTool(request, signal, extras),
      deps.access,
    ),
    logger,
    limits: { ...MCP_DEFAULTS, ...deps.limits },
  });
  pool.subscribe(() => mcp.toolsChanged());
  pool.onNotice((server, notice, username) => mcp.notice(server, notice, username));
  projector.on('applied', (event: { type: string }) => {
    if (CHANGES_LISTS.has(event.type)) mcp.toolsChanged(true);
  });
  return mcp;
}
