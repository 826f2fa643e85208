import { scryptSync } from 'node:crypto';
import type { Sealed } from '../events/secretEvents.js';
import { aesOpen, aesSeal, isWellFormed } from './aesGcm.js';

/** What a ciphertext is bound to: moved to another user, server or name, it fails to decrypt. */
export interface SecretContext {
  readonly username: string;
  readonly serverName: string;
  readonly secretName: string;
}

export interface SecretBox {
  readonly currentVersion: number;
  readonly versions: readonly number[];
  /**
   * Makes sure `username` has a data key for the current key version, creating and storing it
   * durably if needed. Call it before `seal()` for that user (idempotent, cheap once done).
   */
  prepare(username: string): Promise<void>;
  seal(plaintext: string, context: SecretContext): Sealed;
  /** Throws `SecretDecryptError` when the key version is unknown or the ciphertext/context does not match. */
  open(sealed: Sealed, context: SecretContext): string;
}

export class SecretDecryptError extends Error {
  constructor(reason: string) {
    super(`Secret cannot be decrypted: ${reason}`);
    this.name = 'SecretDecryptError';
  }
}

/**
 * Stretches a configured key into a 256-bit AES key. scrypt, because SECRETS_KEY may be a
 * human-chosen passphrase; run once per key version at boot, never on the call path.
 * The salt is fixed per key version so every gateway instance derives the same key.
 */
export function deriveKey(material: string, version: number): Buffer {
  return scryptSync(material, `mcp-api/secrets/v${version}`, 32, {
    N: 1 << 15,
    r: 8,
    p: 1,
    maxmem: 64 * 1024 * 1024,
  });
}

function aad(context: SecretContext, version: number): Buffer {
  return Buffer.from(
    JSON.stringify(['mcp-api/secret', context.username, context.serverName, context.secretName, version]),
  );
}

/**
 * A box that seals directly under the master keys (version → derived 32-byte key): the format of
 * records written before per-user data keys. The highest version seals; every version opens.
 * The gateway itself uses the per-user box (userSecretBox.ts), which still opens these records.
 */
export function createSecretBox(keys: ReadonlyMap<number, Buffer>): SecretBox {
  const versions = [...keys.keys()].sort((a, b) => b - a);
  const currentVersion = versions[0];
  if (currentVersion === undefined) throw new Error('At least one secrets key is required');
  for (const [v, k] of keys) if (k.length !== 32) throw new Error(`Key version ${v} is not 32 bytes`);

  return {
    currentVersion,
    versions,
    prepare: () => Promise.resolve(),
    seal(plaintext, context) {
      return {
        keyVersion: currentVersion,
        ...aesSeal(keys.get(currentVersion) as Buffer, plaintext, aad(context, currentVersion)),
      };
    },
    open(sealed, context) {
      const key = keys.get(sealed.keyVersion);
      if (!key) throw new SecretDecryptError(`unknown key version ${sealed.keyVersion}`);
      if (!isWellFormed(sealed)) throw new SecretDecryptError('malformed record');
      const plain = aesOpen(key, sealed, aad(context, sealed.keyVersion));
      if (!plain)
        throw new SecretDecryptError(
          'authentication failed (wrong key, or record bound to another user/server/name)',
        );
      return plain.toString('utf8');
    },
  };
}
