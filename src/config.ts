import { resolve } from 'node:path';
import * as z from 'zod';
import { SECURITY_CONFIG } from './securityConfig.js';

/** Empty strings (common in .env files) count as unset. */
const opt = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const int = (min: number, max: number, fallback: number) => opt(z.coerce.number().int().min(min).max(max).default(fallback));

/** Every setting the gateway reads from its environment, validated in one place. */
export const ConfigSchema = z.object({
  PORT: int(0, 65_535, 8080),
  /** Loopback by default: exposing the gateway is an explicit choice. */
  HOST: opt(z.string().min(1).default('127.0.0.1')),
  DATA_DIR: opt(z.string().min(1).default('./data')),
  // Not `opt`: an explicitly empty key is refused, not silently replaced by a generated one.
  SECRETS_KEY: z.string().optional(),
  SECRETS_KEYS: opt(z.string().optional()),
  LOG_LEVEL: opt(z.enum(['debug', 'info', 'warn', 'error']).default('info')),
  BODY_LIMIT: opt(z.string().regex(/^\d+(b|kb|mb)$/i, 'use a size such as 512kb or 1mb').default('1mb')),
  TOOL_TIMEOUT_MS: int(100, 3_600_000, 60_000),
  STARTUP_TIMEOUT_MS: int(100, 3_600_000, 30_000),
  SHUTDOWN_GRACE_MS: int(0, 60_000, 2_000),
  SERVER_LOG_LINES: int(1, 10_000, 200),
  RESTART_INITIAL_DELAY_MS: int(1, 600_000, 500),
  RESTART_MAX_DELAY_MS: int(1, 3_600_000, 30_000),
  CRASH_LOOP_THRESHOLD: int(1, 1000, 5),
  CRASH_LOOP_WINDOW_MS: int(1, 86_400_000, 60_000),
  ...SECURITY_CONFIG,
});
export type Config = z.infer<typeof ConfigSchema>;

/** Throws one error listing every bad variable by name (never by value: some are secrets). */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return { ...result.data, DATA_DIR: resolve(result.data.DATA_DIR) };
}
