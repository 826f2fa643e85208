import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256-GCM with a 96-bit random IV and a 128-bit tag; binary fields base64. */
export interface AesSealed {
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function aesSeal(key: Buffer, plaintext: Buffer | string, aad: Buffer): AesSealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const data = Buffer.concat([
    typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext),
    cipher.final(),
  ]);
  return {
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** Whether the IV and tag have the sizes this scheme writes (a cheap check before trying a key). */
export function isWellFormed(sealed: AesSealed): boolean {
  return (
    Buffer.from(sealed.iv, 'base64').length === IV_BYTES &&
    Buffer.from(sealed.tag, 'base64').length === TAG_BYTES
  );
}

/** Returns undefined when the record is malformed or does not authenticate (wrong key or AAD). */
export function aesOpen(key: Buffer, sealed: AesSealed, aad: Buffer): Buffer | undefined {
  if (!isWellFormed(sealed)) return undefined;
  const iv = Buffer.from(sealed.iv, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  } catch {
    return undefined;
  }
}
