/**
 * Parses configured key material. SECRETS_KEY is one key (version 1); SECRETS_KEYS lists several
 * as "2:<key>,1:<old key>" so old ciphertexts keep decrypting after a rotation.
 */
export interface KeyMaterial {
  readonly version: number;
  readonly material: string;
}

const MIN_LENGTH = 32;
const MIN_DISTINCT = 10;

/** Refuses keys an attacker could guess: too short or too repetitive. Returns the reason, or undefined. */
export function weakKeyReason(material: string): string | undefined {
  if (material.trim().length === 0) return 'it is empty';
  if (material.length < MIN_LENGTH) return `it is shorter than ${MIN_LENGTH} characters`;
  if (new Set(material).size < MIN_DISTINCT) return `it has fewer than ${MIN_DISTINCT} distinct characters`;
  return undefined;
}

export function parseKeyList(value: string): KeyMaterial[] {
  const entries = value
    .split(',')
    .map((part) => part.trim())
    .filter((p) => p.length > 0);
  const keys = entries.map((entry) => {
    const m = /^(\d{1,6}):(.+)$/.exec(entry);
    if (!m) throw new Error('SECRETS_KEYS entries must look like "<version>:<key>"');
    return { version: Number(m[1]), material: m[2] as string };
  });
  const seen = new Set<number>();
  for (const k of keys) {
    if (k.version < 1) throw new Error('SECRETS_KEYS versions start at 1');
    if (seen.has(k.version)) throw new Error(`SECRETS_KEYS lists version ${k.version} twice`);
    seen.add(k.version);
  }
  return keys;
}

export function checkKeys(keys: readonly KeyMaterial[]): void {
  if (keys.length === 0) throw new Error('No secrets key configured');
  for (const k of keys) {
    const reason = weakKeyReason(k.material);
    if (reason) throw new Error(`Secrets key version ${k.version} is refused: ${reason}`);
  }
}
