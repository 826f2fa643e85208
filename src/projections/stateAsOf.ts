import { redactData } from '../events/auditRedaction.js';
import type { EventStore, RecordedEvent } from '../events/eventStore.js';
import type { ServerConfig } from '../events/serverEvents.js';
import type { Logger } from '../logger.js';
import { foldEvent } from './foldEvent.js';
import { decodeReadModels, encodeReadModels } from './readModelCodec.js';
import { initialReadModels, type ReadModels } from './readModels.js';

/** Where a replay stops: after this position, or after the last event that occurred at or before this time. */
export type ReplayUntil = { readonly position: number } | { readonly time: string };

/** The configuration as it was at one point of the log: no secret values, ciphertext or credential values. */
export interface StateAsOf {
  readonly position: number;
  readonly occurredAt: string | null;
  readonly servers: Array<Record<string, unknown>>;
  readonly secrets: Array<{ serverName: string; username: string; secretNames: string[] }>;
  readonly packages: Array<Record<string, unknown>>;
  /** Read models added by later features, printed generically with secrets redacted. */
  readonly other: Record<string, unknown>;
}

const PAGE = 5000;

/**
 * Folds the log from the start up to `until` with the projector's own fold (foldEvent), so the
 * past state can never be computed differently from the live one. Used by `mcp-api replay` and
 * GET /events/state.
 */
export async function replayUntil(
  store: Pick<EventStore, 'readAll'>,
  until: ReplayUntil,
  logger: Logger,
): Promise<StateAsOf> {
  const models = initialReadModels();
  let last: RecordedEvent | undefined;
  const limit = 'time' in until ? Date.parse(until.time) : undefined;
  scan: for (let from = 1; ;) {
    const page = await store.readAll(from, PAGE);
    for (const event of page) {
      if ('position' in until && event.position > until.position) break scan;
      if (limit !== undefined && Date.parse(event.metadata.occurredAt) > limit) break scan;
      foldEvent(models, event, logger);
      last = event;
    }
    if (page.length < PAGE) break;
    from = (page.at(-1) as RecordedEvent).position + 1;
  }
  return describeState(models, last);
}

function describeState(models: ReadModels, last: RecordedEvent | undefined): StateAsOf {
  const servers = [...models.servers.values()].sort((a, b) => a.name.localeCompare(b.name));
  const nameOf = new Map(servers.map((s) => [s.serverId, s.name]));
  const secrets = [...models.secrets.entries()].flatMap(([serverId, users]) =>
    [...users.entries()].map(([username, names]) => ({
      serverName: nameOf.get(serverId) ?? serverId,
      username,
      secretNames: [...names.keys()].sort(),
    })),
  );
  const packages = [...models.packages.values()]
    .sort((a, b) => a.serverName.localeCompare(b.serverName))
    .map((p) => ({
      serverName: p.serverName,
      name: p.spec.name,
      runtime: p.spec.runtime,
      status: p.status,
      ...(p.version === undefined ? {} : { version: p.version }),
      installed: p.installed,
      ...(p.lastUpgraded === undefined ? {} : { lastUpgraded: p.lastUpgraded }),
    }));
  const {
    servers: _s,
    secrets: _k,
    packages: _p,
    ...rest
  } = decodeReadModels(encodeReadModels(models)) as Record<string, unknown>;
  return {
    position: last?.position ?? 0,
    occurredAt: last?.metadata.occurredAt ?? null,
    servers: servers.map((s) => ({
      name: s.name,
      serverId: s.serverId,
      enabled: s.enabled,
      ...transportSummary(s.config.transport),
      ...(s.config.secretNames ? { secretNames: s.config.secretNames } : {}),
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    })),
    secrets: secrets.sort((a, b) =>
      `${a.serverName}/${a.username}`.localeCompare(`${b.serverName}/${b.username}`),
    ),
    packages,
    other: redactData(plain(rest)) as Record<string, unknown>,
  };
}

/** What a replay shows of a transport: where it runs, never env values or header values. */
function transportSummary(t: ServerConfig['transport']): Record<string, unknown> {
  if (t.transportType === 'stdio')
    return {
      transportType: t.transportType,
      command: t.command,
      args: t.args,
      envNames: [...Object.keys(t.env), ...Object.keys(t.sealedEnv ?? {})].sort(),
    };
  return {
    transportType: t.transportType,
    url: t.url,
    headerNames: [...Object.keys(t.headers), ...Object.keys(t.sealedHeaders ?? {})].sort(),
  };
}

/** Maps with string keys become objects, so other read models print readably. */
function plain(value: unknown): unknown {
  if (value instanceof Map) {
    const entries = [...value.entries()];
    return entries.every(([k]) => typeof k === 'string')
      ? Object.fromEntries(entries.map(([k, v]) => [k, plain(v)]))
      : entries.map(([k, v]) => [k, plain(v)]);
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}
