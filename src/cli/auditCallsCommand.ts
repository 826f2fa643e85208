import { join } from 'node:path';
import * as z from 'zod';
import { openFileAuditLog } from '../audit/fileAuditLog.js';
import type { CliCommand } from './cliCommand.js';
import { parseArgs, parseOptions } from './cliArgs.js';
import { drained, ndjson } from './cliStorage.js';

const time = z.iso
  .datetime({ offset: true, message: 'use an ISO 8601 time such as 2026-11-30T12:00:00Z' })
  .optional();
const Options = z
  .object({
    username: z.string().min(1).max(128).optional(),
    server: z.string().min(1).max(200).optional(),
    tool: z.string().min(1).max(512).optional(),
    from: time,
    to: time,
    limit: z.coerce.number().int().min(1).optional(),
  })
  .strict();

/**
 * `mcp-api audit calls`: the tool-call audit trail of DATA_DIR as NDJSON, newest first. Reads the
 * day files directly (append-only, so a running gateway is no obstacle).
 */
export const auditCallsCommand: CliCommand = {
  name: ['audit', 'calls'],
  summary: 'print tool-call audit records as NDJSON, newest first (argument names and sizes only)',
  usage: '[--username <u>] [--server <name>] [--tool <name>] [--from <iso>] [--to <iso>] [--limit <n>]',
  async run(context) {
    const o = parseOptions(Options, parseArgs(context.args).options);
    const log = openFileAuditLog(join(context.config.DATA_DIR, 'audit'));
    const filter = {
      username: o.username,
      serverName: o.server,
      tool: o.tool,
      from: o.from === undefined ? undefined : new Date(o.from),
      to: o.to === undefined ? undefined : new Date(o.to),
    };
    let printed = 0;
    for await (const { record } of log.scan(filter)) {
      if (o.limit !== undefined && printed >= o.limit) break;
      context.out(ndjson(record));
      printed++;
      await drained();
    }
    await log.close();
    return 0;
  },
};
