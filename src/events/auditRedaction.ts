import type { RecordedEvent } from './eventStore.js';
import { SealedSchema } from './secretEvents.js';

/** An event as auditors see it (CLI `events`, GET /events): same envelope, data redacted. */
export interface AuditEvent {
  readonly position: number;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: RecordedEvent['metadata'];
}

export const REDACTED_VALUE = '[redacted]';

/** Names whose string values are credentials even outside a sealed box (env vars, HTTP headers). */
const SENSITIVE_NAME = new RegExp(
  '(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)$' +
    '|^(authorization|proxy-authorization|cookie|set-cookie)$',
  'i',
);

/**
 * Generic, so events added later are covered without touching this file: every sealed box
 * (AES-GCM output) anywhere in the data becomes its metadata only — key version and size, never
 * iv, tag or ciphertext — and string values under credential-looking names become `[redacted]`.
 */
export function redactForAudit(event: RecordedEvent): AuditEvent {
  return {
    position: event.position,
    streamId: event.streamId,
    version: event.version,
    type: event.type,
    data: redactValue(event.data) as Record<string, unknown>,
    metadata: event.metadata,
  };
}

/** The same redaction for any value (e.g. read models printed by `mcp-api replay`). */
export const redactData = (value: unknown): unknown => redactValue(value);

function redactValue(value: unknown, name = ''): unknown {
  if (typeof value === 'string') return SENSITIVE_NAME.test(name) ? REDACTED_VALUE : value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v));
  if (value === null || typeof value !== 'object') return value;
  const sealed = SealedSchema.safeParse(value);
  if (sealed.success) {
    return {
      sealed: true,
      keyVersion: sealed.data.keyVersion,
      ciphertextBytes: Buffer.from(sealed.data.data, 'base64').length,
    };
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, k)]));
}
