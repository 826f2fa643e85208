import { AppError, notFound } from '../errors.js';
import type { DomainEvent } from '../events/domainEvents.js';
import type { Sealed } from '../events/secretEvents.js';
import type { SandboxConfig } from '../events/sandboxConfig.js';
import type { ReconnectionOptions, ServerConfig, Transport, TransportType } from '../events/serverEvents.js';
import type { Decider } from './decider.js';
import { refusedEnvNames } from '../env/envNames.js';

export type ServerState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly serverId: string;
      readonly name: string;
      readonly config: ServerConfig;
      readonly enabled: boolean;
    };

/**
 * Fields of PUT /mcp/servers/:name; absent means unchanged, `secretNames`/`reconnectionOptions: null`
 * clear. Fields of the other transport type are ignored; a `transportType` switch needs the new
 * type's required field (command or url).
 */
export interface ServerPatch {
  transportType?: TransportType;
  command?: string;
  args?: string[];
  /** Replaces the whole env: `env` the plain values, `sealedEnv` the credentials, sealed by the caller. */
  env?: Record<string, string>;
  sealedEnv?: Record<string, Sealed>;
  cwd?: string;
  url?: string;
  /** Replaces all headers: `plain` as given, `sealed` already encrypted by the caller. */
  headers?: { plain: Record<string, string>; sealed: Record<string, Sealed> };
  reconnectionOptions?: ReconnectionOptions | null;
  secretNames?: string[] | null;
  timeout?: number;
  startupTimeout?: number;
  enabled?: boolean;
  secretDelivery?: 'args' | 'env';
  /** Replaces the sandbox setting; null clears it (defaults). */
  sandbox?: SandboxConfig | null;
  allowUnsafeEnvNames?: string[] | null;
  toolApproval?: 'auto' | 'manual';
}

export type ServerCommand =
  | {
      type: 'RegisterServer';
      data: { serverId: string; name: string; config: ServerConfig; enabled: boolean };
    }
  | { type: 'UpdateServer'; data: { name: string; patch: ServerPatch } }
  | { type: 'EnableServer'; data: { name: string } }
  | { type: 'DisableServer'; data: { name: string } }
  | {
      type: 'RemoveServer';
      data: {
        name: string;
        /** Remove only this registration (a package removing its own server). */ serverId?: string;
      };
    };

type Existing = Extract<ServerState, { exists: true }>;

function existing(state: ServerState, name: string): Existing {
  if (!state.exists) throw notFound(name);
  return state;
}

function patchTransport(t: Transport, p: ServerPatch): Transport {
  const type = p.transportType ?? t.transportType;
  if (type === 'stdio') {
    const base = t.transportType === 'stdio' ? t : undefined;
    const command = p.command ?? base?.command;
    if (!command)
      throw new AppError(
        'invalid_request',
        'command is required to switch a server to transportType "stdio"',
      );
    const cwd = p.cwd ?? base?.cwd;
    const sealedEnv = p.env ? p.sealedEnv : base?.sealedEnv;
    return {
      transportType: 'stdio',
      command,
      args: p.args ?? base?.args ?? [],
      env: p.env ?? base?.env ?? {},
      ...(sealedEnv && Object.keys(sealedEnv).length > 0 ? { sealedEnv } : {}),
      ...(cwd === undefined ? {} : { cwd }),
    };
  }
  const base = t.transportType === 'streamable_http' ? t : undefined;
  const url = p.url ?? base?.url;
  if (!url)
    throw new AppError(
      'invalid_request',
      'url is required to switch a server to transportType "streamable_http"',
    );
  const headers = p.headers ? p.headers.plain : (base?.headers ?? {});
  const sealed = p.headers ? p.headers.sealed : base?.sealedHeaders;
  const reconnection =
    p.reconnectionOptions === null ? undefined : (p.reconnectionOptions ?? base?.reconnectionOptions);
  return {
    transportType: 'streamable_http',
    url,
    headers,
    ...(sealed && Object.keys(sealed).length > 0 ? { sealedHeaders: sealed } : {}),
    ...(reconnection === undefined ? {} : { reconnectionOptions: reconnection }),
  };
}

function applyPatch(config: ServerConfig, patch: ServerPatch): ServerConfig {
  const { secretNames, secretDelivery, sandbox, allowUnsafeEnvNames, toolApproval, ...rest } = config;
  // "manual" is the default and is stored as absence, like secretDelivery "args".
  const approval = (patch.toolApproval ?? toolApproval) === 'auto' ? { toolApproval: 'auto' as const } : {};
  const nextSandbox = patch.sandbox === undefined ? sandbox : (patch.sandbox ?? undefined);
  const nextUnsafe =
    patch.allowUnsafeEnvNames === undefined ? allowUnsafeEnvNames : (patch.allowUnsafeEnvNames ?? undefined);
  const nextSecretNames = patch.secretNames === undefined ? secretNames : (patch.secretNames ?? undefined);
  // "args" is the default and is stored as absence, so an args server's config never changes shape.
  const delivery =
    (patch.secretDelivery ?? secretDelivery) === 'env' ? { secretDelivery: 'env' as const } : {};
  const transport = patchTransport(config.transport, patch);
  if (delivery.secretDelivery === 'env' && transport.transportType !== 'stdio') {
    throw new AppError(
      'invalid_request',
      'secretDelivery "env" needs a stdio server (one process per user); set secretDelivery to "args" to switch ' +
        'transports',
    );
  }
  return {
    ...rest,
    transport,
    ...(nextSecretNames === undefined ? {} : { secretNames: nextSecretNames }),
    timeout: patch.timeout ?? config.timeout,
    startupTimeout: patch.startupTimeout ?? config.startupTimeout,
    ...delivery,
    ...(nextSandbox === undefined ? {} : { sandbox: nextSandbox }),
    ...(nextUnsafe === undefined ? {} : { allowUnsafeEnvNames: nextUnsafe }),
    ...approval,
  };
}

/**
 * An env-delivery server may be declared only names that cannot make it load code, unless an admin allowed them
 * by name.
 */
function checkDeclaredEnvNames(config: ServerConfig): ServerConfig {
  if (config.secretDelivery !== 'env') return config;
  const refused = refusedEnvNames(config.secretNames ?? [], config.allowUnsafeEnvNames);
  if (refused.length === 0) return config;
  throw new AppError(
    'invalid_request',
    `secretDelivery "env": ${refused.join(', ')} can make a runtime load or run code (or is a base variable such as ` +
      `PATH); ` +
      'list it in allowUnsafeEnvNames to allow it explicitly (base variables never come from secrets)',
  );
}

/** Stable comparison: key order must not make an unchanged config look changed. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );

export const serverDecider: Decider<ServerState, ServerCommand> = {
  initialState: () => ({ exists: false }),

  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'RegisterServer': {
        if (state.exists) {
          throw new AppError(
            'server_already_exists',
            `Server with name ${command.data.name} already exists`,
            {
              serverName: command.data.name,
            },
          );
        }
        checkDeclaredEnvNames(command.data.config);
        return [{ type: 'ServerRegistered', data: command.data }];
      }
      case 'UpdateServer': {
        const s = existing(state, command.data.name);
        const ref = { serverId: s.serverId, name: s.name };
        const events: DomainEvent[] = [];
        const config = checkDeclaredEnvNames(applyPatch(s.config, command.data.patch));
        if (canonical(config) !== canonical(s.config))
          events.push({ type: 'ServerUpdated', data: { ...ref, config } });
        const enabled = command.data.patch.enabled;
        // An explicit `enabled: true` is also how a client retries a server stuck in `error`.
        if (enabled === true) events.push({ type: 'ServerEnabled', data: ref });
        if (enabled === false && s.enabled) events.push({ type: 'ServerDisabled', data: ref });
        return events;
      }
      case 'EnableServer': {
        const s = existing(state, command.data.name);
        return [{ type: 'ServerEnabled', data: { serverId: s.serverId, name: s.name } }];
      }
      case 'DisableServer': {
        const s = existing(state, command.data.name);
        return s.enabled ? [{ type: 'ServerDisabled', data: { serverId: s.serverId, name: s.name } }] : [];
      }
      case 'RemoveServer': {
        // A registration that is already gone (or replaced by another one of that name) is left alone.
        if (
          command.data.serverId !== undefined &&
          (!state.exists || state.serverId !== command.data.serverId)
        )
          return [];
        const s = existing(state, command.data.name);
        return [{ type: 'ServerRemoved', data: { serverId: s.serverId, name: s.name } }];
      }
    }
  },

  evolve(state, event): ServerState {
    switch (event.type) {
      case 'ServerRegistered':
        return {
          exists: true,
          serverId: event.data.serverId,
          name: event.data.name,
          config: event.data.config,
          enabled: event.data.enabled,
        };
      case 'ServerUpdated':
        return state.exists ? { ...state, config: event.data.config } : state;
      case 'ServerEnabled':
        return state.exists ? { ...state, enabled: true } : state;
      case 'ServerDisabled':
        return state.exists ? { ...state, enabled: false } : state;
      case 'ServerRemoved':
        return { exists: false };
      default:
        return state;
    }
  },
};
