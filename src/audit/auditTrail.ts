import type { Logger } from '../logger.js';
import { AuditRecorder } from './auditRecorder.js';
import { openFileAuditLog, type AuditLog } from './fileAuditLog.js';

export interface AuditSettings {
  /** DATA_DIR/audit */
  readonly dir: string;
  readonly flushIntervalMs: number;
  /** Whole days kept; 0 keeps everything. */
  readonly retentionDays: number;
}

export interface AuditTrail {
  readonly log: AuditLog;
  readonly recorder: AuditRecorder;
  /** Writes every pending record, then stops retention. */
  close(): Promise<void>;
}

const PRUNE_EVERY_MS = 3_600_000;

/** The audit trail of one gateway: file log, batching recorder, retention timer. */
export function createAuditTrail(
  settings: AuditSettings,
  deps: { logger: Logger; newId: () => string; clock: () => Date; onDropped?: (n: number) => void },
): AuditTrail {
  const logger = deps.logger.child({ component: 'audit' });
  const log = openFileAuditLog(settings.dir);
  const recorder = new AuditRecorder({
    log,
    logger,
    newId: deps.newId,
    flushIntervalMs: settings.flushIntervalMs,
    ...(deps.onDropped ? { onDropped: deps.onDropped } : {}),
  });
  const prune = (): void => {
    log
      .prune(deps.clock(), settings.retentionDays)
      .then((days) => days.length > 0 && logger.info('audit days past retention deleted', { days }))
      .catch((error: unknown) => logger.error('audit retention failed', { error }));
  };
  prune();
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();
  return {
    log,
    recorder,
    async close() {
      clearInterval(timer);
      await recorder.close();
    },
  };
}
