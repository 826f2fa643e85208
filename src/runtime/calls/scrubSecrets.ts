import { AppError } from '../../errors.js';

export const SCRUBBED = '[REDACTED]';

/** Values shorter than this are not scrubbed: they would mangle ordinary text and are not worth hiding. */
const MIN_LENGTH = 4;

/**
 * An upstream error that quotes the call's arguments would carry the secrets the gateway injected
 * into them, into the error body and, for 5xx, the log line. The error leaves the call path with
 * every injected value replaced; its cause (the raw upstream error) is dropped for the same reason.
 */
export function scrubError(error: unknown, injected: readonly string[]): unknown {
  const values = [...new Set(injected.filter((v) => v.length >= MIN_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
  if (values.length === 0) return error;
  const scrub = (text: string): string => values.reduce((t, v) => t.split(v).join(SCRUBBED), text);
  if (error instanceof AppError) {
    const details = JSON.parse(scrub(JSON.stringify(error.details))) as Record<string, unknown>;
    return new AppError(error.code, scrub(error.message), details);
  }
  if (error instanceof Error) return new Error(scrub(error.message));
  return new Error(scrub(String(error)));
}
