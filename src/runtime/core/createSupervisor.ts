import { createHash } from 'node:crypto';
import type { StdioTransport } from '../../events/serverEvents.js';
import { SHARED_CONNECTION } from '../../events/sessionEvents.js';
import type { Logger } from '../../logger.js';
import type { ReadModels } from '../../projections/readModels.js';
import type { UserSecrets } from '../calls/userSecrets.js';
import { isInjectableEnvName } from '../perUser/envSecretNames.js';
import { PerUserSupervisor, type PerUserLimits } from '../perUser/perUserSupervisor.js';
import type { ProcessBudget } from '../perUser/processBudget.js';
import type { RemoteDeps } from '../remote/remoteSlots.js';
import { RemoteSupervisor } from '../remote/remoteSupervisor.js';
import type { ProcessRegistry } from '../stdio/processRegistry.js';
import { StdioSupervisor } from '../stdio/stdioSupervisor.js';
import type { NegotiationRecorder } from './negotiationRecorder.js';
import type { RestartPolicy } from './restartPolicy.js';
import type { SupervisedFactory } from './serverPool.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { UpstreamIdentity } from './types.js';
import type { Telemetry } from '../../telemetry/telemetry.js';

export interface SupervisorDeps {
  readonly readModels: () => ReadModels;
  readonly logger: Logger;
  readonly policy: RestartPolicy;
  readonly shutdownGraceMs: number;
  readonly logLines: number;
  /** The gateway's own environment; children get only its allow-listed part. */
  readonly parentEnv: NodeJS.ProcessEnv;
  readonly registry: ProcessRegistry;
  readonly remote: RemoteDeps;
  readonly secrets: UserSecrets;
  readonly budget: ProcessBudget;
  readonly perUser: PerUserLimits;
  readonly negotiations: NegotiationRecorder;
  readonly identity: UpstreamIdentity;
  /** One message from a stdio server larger than this fails its call with result_too_large (remote: RemoteDeps). */
  readonly maxMessageBytes?: number | undefined;
  /** [obs hook] tracing: process start spans. */
  readonly telemetry?: Telemetry | undefined;
  /** Every process of every stdio server runs in it; absent: unsandboxed (SANDBOX=off). */
  readonly sandbox?: Sandbox | undefined;
}

/** What a stdio verdict belongs to: the command line (never the env, which may hold secrets). */
export function stdioTarget(t: StdioTransport): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([t.command, t.args, t.cwd ?? null]))
    .digest('hex');
  return `stdio:${hash.slice(0, 32)}`;
}

/**
 * Decides which supervisor a server configuration gets: remote (Streamable HTTP / SSE), one
 * process per user (secretDelivery "env"), or one shared stdio process.
 */
export function createSupervisorFactory(d: SupervisorDeps): SupervisedFactory {
  return (server, hooks) => {
    const { transport } = server.config;
    const serverId = server.serverId ?? d.readModels().servers.get(server.name)?.serverId ?? server.name;
    const ref = (connection: string): { serverId: string; serverName: string; connection: string } => ({
      serverId,
      serverName: server.name,
      connection,
    });
    if (transport.transportType === 'streamable_http') {
      return new RemoteSupervisor({
        name: server.name,
        serverId,
        transport,
        startupTimeoutMs: server.config.startupTimeout,
        policy: d.policy,
        logLimit: d.logLines,
        logger: d.logger.child({ component: 'remote' }),
        deps: d.remote,
        redact: hooks.redact,
        onChange: hooks.onChange,
        onNotice: (notice, username) => hooks.notice?.(notice, username),
      });
    }
    const stdio = {
      name: server.name,
      transport,
      startupTimeoutMs: server.config.startupTimeout,
      logger: d.logger.child({ component: 'supervisor' }),
      policy: d.policy,
      shutdownGraceMs: d.shutdownGraceMs,
      logLimit: d.logLines,
      parentEnv: d.parentEnv,
      registry: d.registry,
      identity: d.identity,
      maxMessageBytes: d.maxMessageBytes,
      telemetry: d.telemetry, // [obs hook]
      sandbox: d.sandbox?.server(server.config.sandbox, server.config.secretDelivery === 'env'),
    };
    const target = stdioTarget(transport);
    if (server.config.secretDelivery === 'env') {
      return new PerUserSupervisor({
        template: stdio,
        hooks,
        budget: d.budget,
        limits: d.perUser,
        secrets: envSecrets(d, server.name),
        prepare: async (username) => {
          const view = d.readModels().servers.get(server.name);
          if (view) await d.secrets.ensureDataKeys(view, username);
        },
        negotiation: (username) => d.negotiations.memory(ref(username), target),
      });
    }
    return new StdioSupervisor({
      ...stdio,
      redact: hooks.redact,
      onChange: hooks.onChange,
      onNotice: (notice) => hooks.notice?.(notice),
      negotiation: d.negotiations.memory(ref(SHARED_CONNECTION), target),
    });
  };
}

/**
 * A user's secrets for a per-user process's environment: only the names the admin declared
 * (secretNames; none when it declared none), and of those only names that cannot make it run code
 * unless the admin allowed them by name (allowUnsafeEnvNames).
 */
function envSecrets(d: SupervisorDeps, serverName: string) {
  return (username: string): Record<string, string> => {
    const view = d.readModels().servers.get(serverName);
    const declared = new Set(view?.config.secretNames ?? []);
    const injectable = (secretName: string): boolean => {
      if (!declared.has(secretName)) return false;
      if (isInjectableEnvName(secretName, view?.config.allowUnsafeEnvNames)) return true;
      d.logger.warn('secret not put into a per-user environment: reserved name', { serverName, secretName });
      return false;
    };
    return view ? d.secrets.open(view, username, injectable) : {};
  };
}
