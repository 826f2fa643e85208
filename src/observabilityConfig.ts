import * as z from 'zod';

/** Empty strings (common in .env files) count as unset. */
const opt = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const int = (min: number, max: number, fallback: number) =>
  opt(z.coerce.number().int().min(min).max(max).default(fallback));
const bool = (fallback: boolean) =>
  opt(
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  );
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
/** `key=value,key=value` (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES); values are percent-decoded. */
const keyValues = opt(
  z
    .string()
    .transform((text, ctx) => {
      const out: Record<string, string> = {};
      for (const part of text
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const eq = part.indexOf('=');
        // The message never quotes the pair: exporter headers carry credentials.
        if (eq <= 0) ctx.addIssue({ code: 'custom', message: 'use key=value pairs separated by commas' });
        else out[part.slice(0, eq).trim()] = safeDecode(part.slice(eq + 1).trim());
      }
      return out;
    })
    .optional(),
);

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Tracing (the standard OTEL_* variables; on only when an OTLP endpoint is set), the tool-call
 * audit trail and the per-user metric labels. Spread into ConfigSchema.
 */
export const OBSERVABILITY_CONFIG = {
  OTEL_SDK_DISABLED: bool(false),
  OTEL_TRACES_EXPORTER: opt(
    z.enum(['otlp', 'none'], { message: 'only "otlp" and "none" are supported' }).default('otlp'),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: opt(httpUrl.optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: opt(httpUrl.optional()),
  OTEL_EXPORTER_OTLP_HEADERS: keyValues,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValues,
  OTEL_EXPORTER_OTLP_PROTOCOL: opt(
    z.enum(['http/json'], { message: 'only "http/json" is supported' }).optional(),
  ),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: opt(
    z.enum(['http/json'], { message: 'only "http/json" is supported' }).optional(),
  ),
  OTEL_SERVICE_NAME: opt(z.string().min(1).max(200).default('mcp-api')),
  OTEL_RESOURCE_ATTRIBUTES: keyValues,
  OTEL_TRACES_SAMPLER: opt(
    z
      .enum([
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ])
      .default('parentbased_always_on'),
  ),
  OTEL_TRACES_SAMPLER_ARG: opt(z.coerce.number().min(0).max(1).optional()),
  OTEL_BSP_SCHEDULE_DELAY: int(1, 600_000, 5000),
  /** The tool-call audit trail in DATA_DIR/audit (on by default). */
  AUDIT_ENABLED: bool(true),
  /** Whole days of audit records kept; older day files are deleted (0 keeps everything). */
  AUDIT_RETENTION_DAYS: int(0, 36_500, 90),
  /** How long a finished call's record may wait in memory before it is written and fsynced. */
  AUDIT_FLUSH_INTERVAL_MS: int(10, 60_000, 200),
  /** Distinct users with their own label on per-user metrics; later users count as "other". */
  METRICS_MAX_USER_LABELS: int(0, 10_000, 50),
  /** Distinct tools per server with their own label; later ones count as "other". */
  METRICS_MAX_TOOL_LABELS: int(1, 10_000, 100),
};
