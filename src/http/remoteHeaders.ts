import type { SecretBox } from '../crypto/secretBox.js';
import type { Sealed } from '../events/secretEvents.js';
import { headerSecretName, SERVER_HEADER_USER, type StreamableHttpTransport } from '../events/serverEvents.js';
import { REDACTED } from './redacted.js';

const SENSITIVE_EXACT = new Set(['authorization', 'proxy-authorization', 'cookie']);
const SENSITIVE_PART = /(token|secret|passw|api[-_]?key|access[-_]?key|private[-_]?key|credential|session|signature|auth)/i;

/** Headers whose values are credentials: sealed in events, redacted in views. */
export const isSensitiveHeader = (name: string): boolean => SENSITIVE_EXACT.has(name.toLowerCase()) || SENSITIVE_PART.test(name);

export interface SplitHeaders {
  plain: Record<string, string>;
  sealed: Record<string, Sealed>;
}

/**
 * Splits configured headers into plain ones and sealed credentials. `[redacted]` (what a client
 * read back from GET) keeps the stored value, and an unchanged value keeps its stored ciphertext,
 * so re-sending the same config does not look like a change (and restart the server).
 */
export function splitHeaders(
  headers: Record<string, string>,
  serverName: string,
  box: SecretBox,
  stored?: StreamableHttpTransport | undefined,
): SplitHeaders {
  const out: SplitHeaders = { plain: {}, sealed: {} };
  const storedSealed = stored?.sealedHeaders ?? {};
  const findStored = (name: string): [string, Sealed] | undefined => Object.entries(storedSealed).find(([n]) => n.toLowerCase() === name.toLowerCase());
  for (const [name, value] of Object.entries(headers)) {
    if (!isSensitiveHeader(name)) {
      out.plain[name] = value;
      continue;
    }
    const context = { username: SERVER_HEADER_USER, serverName, secretName: headerSecretName(name) };
    const previous = findStored(name);
    const keep = previous && (value === REDACTED || openOrUndefined(box, previous[1], context) === value);
    out.sealed[name] = keep ? previous[1] : box.seal(value, context);
  }
  return out;
}

function openOrUndefined(box: SecretBox, sealed: Sealed, context: { username: string; serverName: string; secretName: string }): string | undefined {
  try {
    return box.open(sealed, context);
  } catch {
    return undefined;
  }
}

/** Headers as GET shows them: credentials as `[redacted]`. */
export function viewHeaders(t: StreamableHttpTransport): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(t.headers)) out[name] = isSensitiveHeader(name) ? REDACTED : value;
  for (const name of Object.keys(t.sealedHeaders ?? {})) out[name] = REDACTED;
  return out;
}

const SENSITIVE_QUERY = /(token|secret|passw|key|sig|auth|code|credential)/i;

/** The URL as GET shows it: values of credential-looking query parameters redacted. */
export function viewUrl(raw: string): string {
  if (!URL.canParse(raw)) return raw;
  const url = new URL(raw);
  let changed = false;
  for (const name of [...url.searchParams.keys()]) {
    if (SENSITIVE_QUERY.test(name)) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? url.toString() : raw;
}
