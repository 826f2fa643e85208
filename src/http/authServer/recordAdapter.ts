import { hash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import {
  authRecordDecider,
  grantDecider,
  type AuthRecordCommand,
  type AuthRecordState,
} from '../../commands/authServerDecider.js';
import { handleCommand, type CommandMetadata } from '../../commands/commandHandler.js';
import { aesOpen, aesSeal } from '../../crypto/aesGcm.js';
import {
  AUTH_SERVER_MODELS,
  authGrantStreamId,
  authRecordStreamId,
  type AuthServerModelName,
} from '../../events/authServerEvents.js';
import type { EventStore } from '../../events/eventStore.js';
import type { Sealed } from '../../events/secretEvents.js';
import type { Projector } from '../../projections/projector.js';
import {
  authRecord,
  evolveAuthServer,
  initialAuthServer,
  type AuthRecordView,
} from '../../projections/authServerProjection.js';
import { parseEvent } from '../../events/domainEvents.js';

export interface RecordAdapterDeps {
  readonly store: EventStore;
  readonly projector: Projector;
  /** AES-256 key sealing record payloads (derived from the master key; every instance has it). */
  readonly sealKey: Buffer;
  readonly metadata: () => CommandMetadata;
  readonly clock: () => Date;
}

export const recordKey = (id: string): string => hash('sha256', id, 'hex');
const aad = (model: string, key: string): Buffer =>
  Buffer.from(JSON.stringify(['mcp-api/authserver', model, key]));
const DURABLE = new Set<string>(AUTH_SERVER_MODELS);

/** Opens a durable record's payload, or undefined when absent, expired, or sealed under another key. */
export function openRecord(
  deps: Pick<RecordAdapterDeps, 'projector' | 'sealKey' | 'clock'>,
  model: AuthServerModelName,
  id: string,
): AdapterPayload | undefined {
  const key = recordKey(id);
  return openView(deps, model, key, authRecord(deps.projector.readModels.authServer, model, key));
}

function openView(
  deps: Pick<RecordAdapterDeps, 'sealKey' | 'clock'>,
  model: AuthServerModelName,
  key: string,
  record: AuthRecordView | undefined,
): AdapterPayload | undefined {
  if (!record) return undefined;
  if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= deps.clock().getTime())
    return undefined;
  const plain = aesOpen(
    deps.sealKey,
    { iv: record.sealed.iv, tag: record.sealed.tag, data: record.sealed.data },
    aad(model, key),
  );
  if (!plain) return undefined;
  const payload = JSON.parse(plain.toString('utf8')) as AdapterPayload;
  return record.consumed ? { ...payload, consumed: true } : payload;
}

/** A record's stream folded on its own: only for the signing key, read before any projection exists. */
async function openFromStore(
  deps: Pick<RecordAdapterDeps, 'store' | 'sealKey' | 'clock'>,
  model: AuthServerModelName,
  key: string,
): Promise<AdapterPayload | undefined> {
  const folded = initialAuthServer();
  for (const recorded of await deps.store.readStream(authRecordStreamId(model, key))) {
    const event = parseEvent(recorded);
    if (event) evolveAuthServer(folded, event);
  }
  return openView(deps, model, key, authRecord(folded, model, key));
}

/**
 * oidc-provider's storage. Clients, grants, codes, tokens, sign-in sessions and interactions are
 * events (sealed, keyed by the SHA-256 of their id, so the log never holds a usable credential)
 * read from the projection (caught up with the store on a miss): any instance can serve any
 * step of a sign-in. The models the gateway does not use stay in this instance's memory.
 */
export function recordAdapterFactory(deps: RecordAdapterDeps): (name: string) => Adapter {
  const memory = new Map<string, Map<string, { payload: AdapterPayload; expiresAt: number }>>();
  const now = (): number => deps.clock().getTime();
  const run = async (
    streamId: string,
    command: Parameters<typeof authRecordDecider.decide>[1],
  ): Promise<void> => {
    const result = await handleCommand(deps.store, streamId, authRecordDecider, command, deps.metadata());
    await deps.projector.waitFor(result.position);
  };
  const revokeGrant = async (grantId: string): Promise<void> => {
    for (const entries of memory.values())
      for (const [id, e] of entries) if (e.payload.grantId === grantId) entries.delete(id);
    const result = await handleCommand(
      deps.store,
      authGrantStreamId(grantId),
      grantDecider,
      { type: 'RevokeGrant', data: { grantId } },
      deps.metadata(),
    );
    await deps.projector.waitFor(result.position);
  };

  // A miss may be a record another instance has just written (the browser can be faster than the live
  // feed): the projection first folds everything committed so far, then the miss is final. The record's
  // own stream would not do: a revoked grant or a deleted user drops records through other streams.
  const orSynced = async (look: () => AdapterPayload | undefined): Promise<AdapterPayload | undefined> => {
    const found = look();
    if (found) return found;
    await deps.projector.sync();
    return look();
  };

  return (name: string): Adapter => {
    if (!DURABLE.has(name)) {
      let entries = memory.get(name);
      if (!entries) memory.set(name, (entries = new Map()));
      const live = entries;
      const get = (id: string): AdapterPayload | undefined => {
        const e = live.get(id);
        if (e && e.expiresAt <= now()) live.delete(id);
        return e && e.expiresAt > now() ? e.payload : undefined;
      };
      return {
        upsert: async (id, payload, expiresIn) => {
          // Bounded: the oldest entries go first if a flood of abandoned sign-ins piles up.
          if (live.size >= 10_000) live.delete(live.keys().next().value as string);
          live.set(id, { payload, expiresAt: now() + (expiresIn ?? 3600) * 1000 });
        },
        find: async (id) => get(id),
        findByUid: async (uid) => [...live.keys()].map(get).find((p) => p?.uid === uid),
        findByUserCode: async (code) => [...live.keys()].map(get).find((p) => p?.userCode === code),
        consume: async (id) => {
          const e = live.get(id);
          if (e) e.payload = { ...e.payload, consumed: Math.floor(now() / 1000) };
        },
        destroy: async (id) => void live.delete(id),
        revokeByGrantId: revokeGrant,
      };
    }
    const model = name as AuthServerModelName;
    return {
      async upsert(id, payload, expiresIn) {
        const key = recordKey(id);
        const sealed = sealRecord(deps.sealKey, model, key, payload);
        const expiresAt = expiresIn ? new Date(now() + expiresIn * 1000).toISOString() : undefined;
        await run(authRecordStreamId(model, key), {
          type: 'StoreAuthRecord',
          data: {
            model,
            key,
            sealed,
            ...(grantOf(model, id, payload) ? { grantId: grantOf(model, id, payload) as string } : {}),
            ...(typeof payload.accountId === 'string' ? { accountId: payload.accountId } : {}),
            ...(typeof payload.clientId === 'string' ? { clientId: payload.clientId } : {}),
            ...(model === 'Session' && typeof payload.uid === 'string' ? { uid: payload.uid } : {}),
            ...(expiresAt ? { expiresAt } : {}),
          },
        });
      },
      find: (id) => orSynced(() => openRecord(deps, model, id)),
      findByUid: (uid) =>
        orSynced(() => {
          for (const [key, record] of deps.projector.readModels.authServer.records.get(model) ?? new Map()) {
            if (record.uid === uid) return openView(deps, model, key, record);
          }
          return undefined;
        }),
      findByUserCode: async () => undefined,
      consume: (id) =>
        run(authRecordStreamId(model, recordKey(id)), {
          type: 'ConsumeAuthRecord',
          data: { model, key: recordKey(id) },
        }),
      destroy: (id) =>
        run(authRecordStreamId(model, recordKey(id)), {
          type: 'DestroyAuthRecord',
          data: { model, key: recordKey(id) },
        }),
      revokeByGrantId: revokeGrant,
    };
  };
}

/** A grant is its own grant: revoking it drops the grant record with its codes and tokens. */
function grantOf(model: AuthServerModelName, id: string, payload: AdapterPayload): string | undefined {
  if (model === 'Grant') return id;
  return typeof payload.grantId === 'string' ? payload.grantId : undefined;
}

/** A record's payload sealed to its model and key: moved to another record, it does not open. */
export function sealRecord(
  sealKey: Buffer,
  model: AuthServerModelName,
  key: string,
  payload: AdapterPayload,
): Sealed {
  return { keyVersion: 1, ...aesSeal(sealKey, JSON.stringify(payload), aad(model, key)) };
}

/**
 * The authorization server's signing key, the same on every instance: the first instance to start
 * records it (sealed; the stream's expected version settles a race between two first starts), the
 * others read it. So an ID token signed by one instance verifies against any instance's JWKS.
 */
export async function sharedSigningKey(
  deps: Pick<RecordAdapterDeps, 'store' | 'sealKey' | 'clock' | 'metadata'>,
  generate: () => AdapterPayload,
): Promise<AdapterPayload> {
  const key = recordKey('signing-key');
  const stream = authRecordStreamId('SigningKey', key);
  const existing = await openFromStore(deps, 'SigningKey', key);
  if (existing) return existing;
  const createOnce = {
    ...authRecordDecider,
    decide: (state: AuthRecordState, command: AuthRecordCommand) =>
      state.exists ? [] : authRecordDecider.decide(state, command),
  };
  await handleCommand(
    deps.store,
    stream,
    createOnce,
    {
      type: 'StoreAuthRecord',
      data: { model: 'SigningKey', key, sealed: sealRecord(deps.sealKey, 'SigningKey', key, generate()) },
    },
    deps.metadata(),
  );
  const stored = await openFromStore(deps, 'SigningKey', key);
  if (!stored) throw new Error('the signing key record cannot be opened (was the master key changed?)');
  return stored;
}
