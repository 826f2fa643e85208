import { join } from 'node:path';
import type { Config } from './config.js';
import type { GatewayOptions } from './gateway.js';
import { telemetryFromEnv } from './telemetry/telemetryFromEnv.js';

/** Tracing, the audit trail and metric label bounds as the environment configures them. */
export function observabilityOptions(
  config: Config,
): Pick<GatewayOptions, 'telemetry' | 'audit' | 'metricLabels'> {
  return {
    telemetry: telemetryFromEnv(config),
    ...(config.AUDIT_ENABLED
      ? {
          audit: {
            dir: join(config.DATA_DIR, 'audit'),
            flushIntervalMs: config.AUDIT_FLUSH_INTERVAL_MS,
            retentionDays: config.AUDIT_RETENTION_DAYS,
          },
        }
      : {}),
    metricLabels: {
      maxToolsPerServer: config.METRICS_MAX_TOOL_LABELS,
      maxUsers: config.METRICS_MAX_USER_LABELS,
    },
  };
}
