import { REDACTED_VALUE } from '../events/auditRedaction.js';
import type { Sealed } from '../events/secretEvents.js';
import { SERVER_HEADER_USER, type StdioTransport } from '../events/serverEvents.js';
import type { SecretBox, SecretContext } from './secretBox.js';

/** The SecretContext secretName of a sealed env value (the username is SERVER_HEADER_USER). */
export const envSecretName = (name: string): string => `env:${name}`;

const CREDENTIAL_NAME =
  /(TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|(^|_)KEY(_|$))/i;
/** Shapes of well-known credentials, whatever the variable is called. */
const CREDENTIAL_VALUE = [
  /^(sk|pk|rk)[-_][A-Za-z0-9_-]{16,}/,
  /^gh[pousr]_[A-Za-z0-9]{20,}/,
  /^github_pat_\w{20,}/,
  /^xox[abposr]-[A-Za-z0-9-]{10,}/,
  /^AKIA[0-9A-Z]{16}$/,
  /^AIza[0-9A-Za-z_-]{30,}/,
  /^glpat-[A-Za-z0-9_-]{16,}/,
  /^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\./,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /^Bearer\s+\S{8,}/i,
  /:\/\/[^/\s:@]+:[^/\s@]+@/,
];

/** A long random-looking token (letters and digits mixed, no spaces, dots or slashes): a key, not a path. */
const looksRandom = (value: string): boolean =>
  value.length >= 32 && /^[A-Za-z0-9_+=-]+$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value);

/** An env value to keep out of events, snapshots and views: by its name or by its shape. */
export function isCredentialEnv(name: string, value: string): boolean {
  return CREDENTIAL_NAME.test(name) || CREDENTIAL_VALUE.some((re) => re.test(value)) || looksRandom(value);
}

/** Whether sealing `env` needs the server-level data key (created on first need only). */
export const hasCredentialEnv = (env: Record<string, string>): boolean =>
  Object.entries(env).some(([name, value]) => isCredentialEnv(name, value));

export interface SplitEnv {
  readonly env: Record<string, string>;
  readonly sealedEnv: Record<string, Sealed>;
}

/**
 * Splits a server's env into plain values and sealed credentials, like credential headers. `[redacted]`
 * (what a client read back from GET) keeps the stored value, an unchanged value keeps its stored
 * ciphertext, so re-sending the same config is no change (and restarts nothing). A credential stored in
 * clear by an older gateway and sent back redacted is sealed now.
 */
export function sealEnv(
  env: Record<string, string>,
  serverName: string,
  box: SecretBox,
  stored?: StdioTransport | undefined,
): SplitEnv {
  const plain: Record<string, string> = {};
  const sealed: Record<string, Sealed> = {};
  for (const [name, given] of Object.entries(env)) {
    const previous = stored?.sealedEnv?.[name];
    if (given === REDACTED_VALUE && previous) {
      sealed[name] = previous;
      continue;
    }
    const value =
      given === REDACTED_VALUE && stored && name in stored.env ? (stored.env[name] as string) : given;
    if (!isCredentialEnv(name, value)) {
      plain[name] = value;
      continue;
    }
    const context = contextOf(serverName, name);
    sealed[name] =
      previous && openOrUndefined(box, previous, context) === value ? previous : box.seal(value, context);
  }
  return { env: plain, sealedEnv: sealed };
}

/** The environment the server's process gets: plain values and the sealed ones opened. */
export function openEnv(t: StdioTransport, serverName: string, box: SecretBox): Record<string, string> {
  const out = { ...t.env };
  for (const [name, sealed] of Object.entries(t.sealedEnv ?? {}))
    out[name] = box.open(sealed, contextOf(serverName, name));
  return out;
}

/** Env as a view shows it: sealed values and credential-looking clear ones (older events) as `[redacted]`. */
export function viewEnv(t: StdioTransport): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(t.env))
    out[name] = isCredentialEnv(name, value) ? REDACTED_VALUE : value;
  for (const name of Object.keys(t.sealedEnv ?? {})) out[name] = REDACTED_VALUE;
  return out;
}

const contextOf = (serverName: string, name: string): SecretContext => ({
  username: SERVER_HEADER_USER,
  serverName,
  secretName: envSecretName(name),
});

function openOrUndefined(box: SecretBox, sealed: Sealed, context: SecretContext): string | undefined {
  try {
    return box.open(sealed, context);
  } catch {
    return undefined;
  }
}
