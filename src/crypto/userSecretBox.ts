import { randomBytes, randomUUID } from 'node:crypto';
import type { Sealed } from '../events/secretEvents.js';
import type { Logger } from '../logger.js';
import { aesOpen, aesSeal, isWellFormed } from './aesGcm.js';
import type { DataKeyStore, WrappedDataKey } from './dataKeyStore.js';
import { createSecretBox, SecretDecryptError, type SecretBox, type SecretContext } from './secretBox.js';

/** A SecretBox with one random data key per (user, master key version), destroyable per user. */
export interface UserSecretBox extends SecretBox {
  /**
   * Crypto-shredding: durably destroys every data key of the user, so every ciphertext sealed for
   * them (in any event, forever) is undecryptable. Resolves to how many keys were destroyed.
   */
  destroy(username: string): Promise<number>;
  /** Whether this process holds the data key with this id (cheap; the call path checks it). */
  knows(dataKeyId: string): boolean;
  /** Reads the user's keys again from a shared store (another instance may have made one). */
  refresh(username: string): Promise<void>;
  /** Drops the user's keys from memory: another instance deleted the user. */
  forget(username: string): void;
}

export interface UserSecretBoxOptions {
  /** Master key version → derived 32-byte key. The highest version wraps new data keys. */
  readonly masterKeys: ReadonlyMap<number, Buffer>;
  readonly store: DataKeyStore;
  /** What `store.loadAll()` returned; empty for a fresh store. */
  readonly records?: ReadonlyMap<string, readonly WrappedDataKey[]>;
  readonly logger?: Logger;
}

interface UserKeys {
  /** Exactly what is stored, including keys this process cannot unwrap (kept, never dropped). */
  readonly wrapped: readonly WrappedDataKey[];
  readonly keys: ReadonlyMap<string, { readonly masterVersion: number; readonly key: Buffer }>;
}

const wrapAad = (username: string, id: string, masterVersion: number): Buffer =>
  Buffer.from(JSON.stringify(['mcp-api/data-key', username, id, masterVersion]));
const sealAad = (c: SecretContext, keyVersion: number, dataKeyId: string): Buffer =>
  Buffer.from(
    JSON.stringify(['mcp-api/secret/dek', c.username, c.serverName, c.secretName, keyVersion, dataKeyId]),
  );

export async function openUserSecretBox(
  options: Omit<UserSecretBoxOptions, 'records'>,
): Promise<UserSecretBox> {
  return createUserSecretBox({ ...options, records: await options.store.loadAll() });
}

/**
 * Envelope encryption: a secret is sealed with its owner's data key for the current master
 * version; the data key is stored wrapped by that master key, outside the event log. Records
 * without `dataKeyId` (written before data keys existed) are opened with the master keys directly.
 * Unwrapping happens here, once, at boot: seal and open are in-memory AES only.
 */
export function createUserSecretBox(options: UserSecretBoxOptions): UserSecretBox {
  const { masterKeys, store, logger } = options;
  const legacy = createSecretBox(masterKeys);
  const currentVersion = legacy.currentVersion;
  const users = new Map<string, UserKeys>();
  const busy = new Map<string, Promise<unknown>>();
  let retired = 0;
  let unreadable = 0;

  const unwrap = (username: string, wrapped: readonly WrappedDataKey[]): UserKeys => {
    const keys = new Map<string, { masterVersion: number; key: Buffer }>();
    for (const w of wrapped) {
      const master = masterKeys.get(w.masterVersion);
      // Keys of a version no longer configured are expected after a rotation: kept, not loaded.
      if (!master) retired += 1;
      const key = master && aesOpen(master, w, wrapAad(username, w.id, w.masterVersion));
      if (key && key.length === 32) keys.set(w.id, { masterVersion: w.masterVersion, key });
      else if (master) unreadable += 1;
    }
    return { wrapped, keys };
  };
  const known = new Set<string>();
  const install = (username: string, wrapped: readonly WrappedDataKey[]): void => {
    const loaded = unwrap(username, wrapped);
    users.set(username, loaded);
    for (const id of loaded.keys.keys()) known.add(id);
  };
  for (const [username, wrapped] of options.records ?? []) install(username, wrapped);
  if (retired > 0)
    logger?.info('data keys of key versions no longer configured are kept but not loaded', {
      dataKeys: retired,
    });
  if (unreadable > 0) {
    logger?.warn(
      'some data keys do not open with their configured key version (is SECRETS_KEY(S) the one they were made ' +
        'with?); their secrets cannot be decrypted',
      {
        dataKeys: unreadable,
        configuredVersions: legacy.versions,
      },
    );
  }

  const currentKeyId = (username: string): string | undefined => {
    let found: string | undefined;
    for (const [id, k] of users.get(username)?.keys ?? []) if (k.masterVersion === currentVersion) found = id;
    return found;
  };
  const newKey = (username: string): { wrapped: WrappedDataKey; key: Buffer } => {
    const id = randomUUID();
    const key = randomBytes(32);
    const master = masterKeys.get(currentVersion) as Buffer;
    const sealed = aesSeal(master, key, wrapAad(username, id, currentVersion));
    return {
      wrapped: { id, masterVersion: currentVersion, ...sealed, createdAt: new Date().toISOString() },
      key,
    };
  };
  const commit = (username: string, wrapped: readonly WrappedDataKey[], id: string, key: Buffer): void => {
    const previous = users.get(username);
    const keys = new Map(previous?.keys ?? []);
    keys.set(id, { masterVersion: currentVersion, key });
    users.set(username, { wrapped, keys });
    known.add(id);
  };
  /** Merges what the shared store holds for the user with what this process already has. */
  const reload = async (username: string): Promise<void> => {
    if (!store.load) return;
    const stored = await store.load(username);
    const mine = users.get(username)?.wrapped ?? [];
    const ids = new Set(stored.map((k) => k.id));
    install(username, [...stored, ...mine.filter((k) => !ids.has(k.id))]);
  };
  /** Zeroes and drops the user's keys; returns how many wrapped keys were held. */
  const forgetNow = (username: string): number => {
    for (const [id, k] of users.get(username)?.keys ?? []) {
      k.key.fill(0);
      known.delete(id);
    }
    const held = users.get(username)?.wrapped.length ?? 0;
    users.delete(username);
    return held;
  };
  /** One key operation per user at a time, so a whole-list write never races another. */
  const serial = <T>(username: string, task: () => Promise<T>): Promise<T> => {
    const run = (busy.get(username) ?? Promise.resolve()).then(task, task);
    const tail = run.catch(() => undefined);
    busy.set(username, tail);
    void tail.then(() => {
      if (busy.get(username) === tail) busy.delete(username);
    });
    return run;
  };

  return {
    currentVersion,
    versions: legacy.versions,

    prepare(username) {
      return serial(username, async () => {
        if (currentKeyId(username)) return;
        // Another instance may already have made this user's key: use it rather than add a second.
        await reload(username);
        if (currentKeyId(username)) return;
        const { wrapped, key } = newKey(username);
        const list = [...(users.get(username)?.wrapped ?? []), wrapped];
        await store.put(username, list);
        commit(username, list, wrapped.id, key);
      });
    },

    seal(plaintext, context) {
      let id = currentKeyId(context.username);
      if (!id) {
        if (!store.putSync || busy.has(context.username)) {
          throw new Error(
            `No data key is ready for user ${context.username}: await secretBox.prepare(username) before seal()`,
          );
        }
        const { wrapped, key } = newKey(context.username);
        const list = [...(users.get(context.username)?.wrapped ?? []), wrapped];
        store.putSync(context.username, list);
        commit(context.username, list, wrapped.id, key);
        id = wrapped.id;
      }
      const entry = users.get(context.username)?.keys.get(id) as { key: Buffer };
      return {
        keyVersion: currentVersion,
        dataKeyId: id,
        ...aesSeal(entry.key, plaintext, sealAad(context, currentVersion, id)),
      };
    },

    open(sealed: Sealed, context) {
      if (sealed.dataKeyId === undefined) return legacy.open(sealed, context);
      const entry = users.get(context.username)?.keys.get(sealed.dataKeyId);
      if (!entry) {
        throw new SecretDecryptError(
          'its data key does not exist (the user was deleted, or its key version is not configured)',
        );
      }
      if (entry.masterVersion !== sealed.keyVersion)
        throw new SecretDecryptError('the key version does not match its data key');
      if (!isWellFormed(sealed)) throw new SecretDecryptError('malformed record');
      const plain = aesOpen(entry.key, sealed, sealAad(context, sealed.keyVersion, sealed.dataKeyId));
      if (!plain)
        throw new SecretDecryptError(
          'authentication failed (record bound to another user/server/name, or tampered)',
        );
      return plain.toString('utf8');
    },

    knows: (dataKeyId) => known.has(dataKeyId),

    refresh: (username) => serial(username, () => reload(username)),

    forget: (username) => void forgetNow(username),

    destroy(username) {
      return serial(username, async () => {
        const count = await store.remove(username);
        return Math.max(count, forgetNow(username));
      });
    },
  };
}
