/**
 * Where per-user data keys live: apart from the event log, so destroying a user's keys makes every
 * ciphertext that user ever stored in the (immutable) log undecryptable. Keys are stored wrapped
 * (AES-256-GCM) under one master key version; the store never sees a plain key.
 */
export interface WrappedDataKey {
  /** Random id; every ciphertext sealed with this key names it. */
  readonly id: string;
  /** Master key version that wraps this key. */
  readonly masterVersion: number;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
  readonly createdAt: string;
}

export interface DataKeyStore {
  /** Every user's wrapped keys, read once at boot. */
  loadAll(): Promise<Map<string, WrappedDataKey[]>>;
  /**
   * One user's keys, read again: another gateway instance on the same store may have created one.
   * Optional: a store private to one process (a local file) has nothing new to find.
   */
  readonly load?: (username: string) => Promise<WrappedDataKey[]>;
  /**
   * Durably stores the user's keys. The caller always passes the whole list; a store shared by
   * several instances keeps the union, so concurrent additions are never lost.
   */
  put(username: string, keys: readonly WrappedDataKey[]): Promise<void>;
  /**
   * The same as `put`, synchronously. Adapters that can (a local file) offer it so `seal()` keeps
   * its synchronous signature for a user whose key was not prepared; a database adapter leaves it out.
   */
  readonly putSync?: (username: string, keys: readonly WrappedDataKey[]) => void;
  /** Durably destroys every key of the user; resolves to how many there were. */
  remove(username: string): Promise<number>;
}

/** For tests and single-process tools: keys in memory, copied on the way in and out. */
export function memoryDataKeyStore(): DataKeyStore {
  const users = new Map<string, WrappedDataKey[]>();
  const put = (username: string, keys: readonly WrappedDataKey[]): void =>
    void users.set(
      username,
      keys.map((k) => ({ ...k })),
    );
  return {
    loadAll: () => Promise.resolve(new Map([...users].map(([u, keys]) => [u, keys.map((k) => ({ ...k }))]))),
    put: (username, keys) => Promise.resolve(put(username, keys)),
    putSync: put,
    remove(username) {
      const count = users.get(username)?.length ?? 0;
      users.delete(username);
      return Promise.resolve(count);
    },
  };
}
