import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import type { Sealed } from '../events/secretEvents.js';

/** What a ciphertext is bound to: moved to another user, server or name, it fails to decrypt. */
export interface SecretContext {
  readonly username: string;
  readonly serverName: string;
  readonly secretName: string;
}

export interface SecretBox {
  readonly currentVersion: number;
  readonly versions: readonly number[];
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

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Stretches a configured key into a 256-bit AES key. scrypt, because SECRETS_KEY may be a
 * human-chosen passphrase; run once per key version at boot, never on the call path.
 * The salt is fixed per key version so every gateway instance derives the same key.
 */
export function deriveKey(material: string, version: number): Buffer {
  return scryptSync(material, `mcp-api/secrets/v${version}`, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

function aad(context: SecretContext, version: number): Buffer {
  return Buffer.from(JSON.stringify(['mcp-api/secret', context.username, context.serverName, context.secretName, version]));
}

/** `keys`: version → derived 32-byte key. The highest version seals; every version opens. */
export function createSecretBox(keys: ReadonlyMap<number, Buffer>): SecretBox {
  const versions = [...keys.keys()].sort((a, b) => b - a);
  const currentVersion = versions[0];
  if (currentVersion === undefined) throw new Error('At least one secrets key is required');
  for (const [v, k] of keys) if (k.length !== 32) throw new Error(`Key version ${v} is not 32 bytes`);

  return {
    currentVersion,
    versions,
    seal(plaintext, context) {
      const key = keys.get(currentVersion) as Buffer;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(context, currentVersion));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return {
        keyVersion: currentVersion,
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
        data: data.toString('base64'),
      };
    },
    open(sealed, context) {
      const key = keys.get(sealed.keyVersion);
      if (!key) throw new SecretDecryptError(`unknown key version ${sealed.keyVersion}`);
      const iv = Buffer.from(sealed.iv, 'base64');
      const tag = Buffer.from(sealed.tag, 'base64');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretDecryptError('malformed record');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(context, sealed.keyVersion));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretDecryptError('authentication failed (wrong key, or record bound to another user/server/name)');
      }
    },
  };
}
