import type { UserSecretBox } from '../crypto/userSecretBox.js';
import type { EventStore } from '../events/eventStore.js';
import type { Logger } from '../logger.js';
import type { UrlPolicy } from '../net/urlSafety.js';
import { createAccess, type Access } from '../policy/access.js';
import { groupsOf } from '../projections/identityProjection.js';
import type { Projector } from '../projections/projector.js';
import { ArgumentValidator } from '../runtime/calls/argumentValidator.js';
import { ToolCaller } from '../runtime/calls/toolCaller.js';
import { UserSecrets } from '../runtime/calls/userSecrets.js';
import { createSupervisorFactory } from '../runtime/core/createSupervisor.js';
import { pinnedFactory } from '../runtime/core/pinnedSupervisor.js';
import { ToolPins } from '../runtime/core/toolPins.js';
import { TOOL_PIN_EVENT_TYPES } from '../events/toolPinEvents.js';
import { NegotiationRecorder } from '../runtime/core/negotiationRecorder.js';
import { Reactor } from '../runtime/core/reactor.js';
import { ServerPool } from '../runtime/core/serverPool.js';
import { ProcessBudget } from '../runtime/perUser/processBudget.js';
import { createRemoteRuntime } from '../runtime/remote/remoteDeps.js';
import type { UpstreamConnect } from '../runtime/remote/oauth/upstreamConnect.js';
import type { ProcessRegistry } from '../runtime/stdio/processRegistry.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { GatewayOptions } from './gatewayOptions.js';
import { RELAYED_CAPABILITIES } from '../runtime/relay/clientRelay.js';

const PER_USER_DEFAULTS = { idleTimeoutMs: 600_000, maxPerServer: 20, maxTotal: 100 };

export interface RuntimeWiring {
  readonly pool: ServerPool;
  readonly reactor: Reactor;
  readonly access: Access;
  readonly caller: ToolCaller;
  readonly budget: ProcessBudget;
  /** Connect your account at remote servers' authorization servers. */
  readonly connect: UpstreamConnect;
  /** Closes the remote connections (after the pool stopped). */
  closeRemote(): Promise<void>;
}

export interface RuntimeWiringDeps {
  readonly options: GatewayOptions;
  readonly store: EventStore;
  readonly projector: Projector;
  readonly registry: ProcessRegistry;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly urlPolicy: UrlPolicy;
  readonly telemetry: Telemetry;
  readonly secretBox: UserSecretBox;
}

/** The supervised servers (stdio, remote, per-user), the reactor that follows the read models, the call path. */
export function wireRuntime(deps: RuntimeWiringDeps): RuntimeWiring {
  const { options, store, projector, logger, clock, newId, telemetry } = deps;
  const readModels = () => projector.readModels;
  const identity = {
    clientInfo: { name: 'mcp-api', version: '0.1.0' },
    capabilities: options.upstreamCapabilities ?? RELAYED_CAPABILITIES,
  };
  const negotiations = new NegotiationRecorder(
    store,
    readModels,
    () => ({ now: clock(), newId, actor: 'gateway' }),
    logger.child({ component: 'negotiations' }),
  );
  const remote = createRemoteRuntime({
    store,
    readModels,
    secretBox: deps.secretBox,
    logger,
    clock,
    newId,
    options: { ...options.remote, urlPolicy: deps.urlPolicy },
    identity,
    negotiations,
    telemetry,
    maxMessageBytes: options.maxMessageBytes,
  });
  const perUser = { ...PER_USER_DEFAULTS, ...options.perUser };
  const budget = new ProcessBudget(perUser.maxTotal);
  const secrets = new UserSecrets({ readModels, secretBox: deps.secretBox, logger });
  // Tool pinning (issue 14): every supervisor is wrapped, so every list and call sees only admitted tools.
  const toolPins = new ToolPins({
    store,
    readModels,
    metadata: () => ({ now: clock(), newId, actor: 'gateway' }),
    logger: logger.child({ component: 'tool-pins' }),
    revision: () => projector.checkpoint,
  });
  const pool = new ServerPool(
    pinnedFactory(
      createSupervisorFactory({
        readModels,
        logger,
        policy: options.policy,
        shutdownGraceMs: options.shutdownGraceMs,
        logLines: options.logLines,
        parentEnv: options.parentEnv,
        registry: deps.registry,
        remote: remote.deps,
        secretBox: deps.secretBox,
        secrets,
        budget,
        perUser,
        negotiations,
        identity,
        maxMessageBytes: options.maxMessageBytes,
        telemetry,
        sandbox: options.sandbox,
      }),
      toolPins,
      readModels,
    ),
    options.startConcurrency === undefined ? {} : { startConcurrency: options.startConcurrency },
  );
  // A pinned, approved or rejected tool changes what every list admits: tell the pool's subscribers (/mcp).
  projector.on('applied', (event: { type: string }) => {
    if (TOOL_PIN_EVENT_TYPES.includes(event.type)) pool.changed();
  });
  const reactor = new Reactor(projector, pool, logger.child({ component: 'reactor' }));
  // The access policy: one port, asked by the call path and by every list (issue 13).
  const access = createAccess({
    rules: () => projector.readModels.policy.rules,
    groupsOf: (u) => groupsOf(projector.readModels.users, u),
  });
  const caller = new ToolCaller({
    access,
    readModels,
    pool,
    secrets,
    validator: new ArgumentValidator(logger),
    logger: logger.child({ component: 'calls' }),
    telemetry,
    ...(options.security.google.credentials
      ? { googleCredentials: options.security.google.credentials }
      : {}),
  });
  return {
    pool,
    reactor,
    access,
    caller,
    budget,
    connect: remote.connect,
    closeRemote: () => remote.close(),
  };
}
