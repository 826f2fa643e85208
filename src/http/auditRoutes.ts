import { Readable } from 'node:stream';
import Router from '@koa/router';
import * as z from 'zod';
import type { AuditFilter } from '../audit/auditRecord.js';
import { decodeCursor, encodeCursor, type AuditLog } from '../audit/fileAuditLog.js';
import { AppError } from '../errors.js';
import { USERNAME } from '../events/secretEvents.js';
import type { AppDeps } from './appDeps.js';
import { principalOf } from './principal.js';
import { serverNameSchema } from './serverSchemas.js';
import { parseInput } from './validate.js';

const single = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (Array.isArray(v) ? v.at(-1) : v), schema);
const time = single(
  z.iso.datetime({ offset: true, message: 'use an ISO 8601 time such as 2026-11-30T12:00:00Z' }).optional(),
);

export const AuditCallsQuery = z
  .object({
    username: single(
      z.string().regex(USERNAME, 'usernames are 1-128 letters, digits or . _ @ + -').optional(),
    ),
    serverName: single(serverNameSchema.optional()),
    tool: single(z.string().min(1).max(512).optional()),
    kind: single(
      z
        .enum(['tool_call', 'resource_read', 'prompt_get', 'completion'], {
          message: 'kind must be tool_call, resource_read, prompt_get or completion',
        })
        .optional(),
    ),
    from: time,
    to: time,
    limit: single(z.coerce.number().int().min(1).max(1000).optional()),
    cursor: single(z.string().min(1).max(200).optional()),
    format: single(z.enum(['json', 'ndjson'], { message: 'format must be "json" or "ndjson"' }).optional()),
  })
  .strict();

export const AUDIT_CALLS_DOCS = {
  username: "Only this user's calls (a user token always sees only its own)",
  serverName: 'Only calls to this server',
  tool: 'Only calls of this target (tool name, resource URI, prompt name)',
  kind: 'Only this kind of call: tool_call, resource_read, prompt_get or completion',
  from: 'Calls that started at or after this ISO 8601 time',
  to: 'Calls that started at or before this ISO 8601 time',
  limit: 'Page size, 1-1000 (default 100; NDJSON: all matches unless given)',
  cursor: 'nextCursor of the previous page',
  format: '"ndjson" exports one record per line (also Accept: application/x-ndjson)',
};

const DEFAULT_PAGE = 100;

/**
 * GET /audit/calls: the audit trail of tool calls, resource reads, prompt gets and completions, newest
 * first, paged by an opaque cursor, or streamed as NDJSON. Records hold argument names and sizes only, never
 * values.
 */
export function auditRoutes(deps: AppDeps): Router {
  const router = new Router();
  router.get('/audit/calls', async (ctx) => {
    const q = parseInput(AuditCallsQuery, ctx.query, 'audit query');
    const log: AuditLog | undefined = deps.audit?.log;
    if (!log) throw new AppError('route_not_found', 'The audit trail is off (AUDIT_ENABLED=false)');
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (q.cursor !== undefined && !after)
      throw new AppError('invalid_request', 'Invalid audit query: cursor is not one this endpoint returned');
    const from = q.from === undefined ? undefined : new Date(q.from);
    const to = q.to === undefined ? undefined : new Date(q.to);
    if (from && to && from > to)
      throw new AppError('invalid_request', 'Invalid audit query: from must not be after to');
    const principal = principalOf(ctx);
    // A user token sees its own calls only (naming another user was refused before the route).
    const username = principal?.kind === 'user' ? principal.username : q.username;
    const filter: AuditFilter = { username, serverName: q.serverName, tool: q.tool, kind: q.kind, from, to };

    if (
      q.format === 'ndjson' ||
      (q.format === undefined &&
        ctx.accepts('application/json', 'application/x-ndjson') === 'application/x-ndjson')
    ) {
      const limit = q.limit ?? Number.POSITIVE_INFINITY;
      ctx.type = 'application/x-ndjson';
      ctx.body = Readable.from(ndjson(log, filter, after, limit));
      return;
    }
    const limit = q.limit ?? DEFAULT_PAGE;
    const calls = [];
    let last: string | null = null;
    let more = false;
    for await (const { record, cursor } of log.scan(filter, after)) {
      if (calls.length === limit) {
        more = true;
        break;
      }
      calls.push(record);
      last = encodeCursor(cursor);
    }
    ctx.body = { success: true, calls, nextCursor: more ? last : null };
  });
  return router;
}

async function* ndjson(
  log: AuditLog,
  filter: AuditFilter,
  after: ReturnType<typeof decodeCursor>,
  limit: number,
): AsyncGenerator<string> {
  let sent = 0;
  for await (const { record } of log.scan(filter, after)) {
    if (sent++ >= limit) return;
    yield `${JSON.stringify(record)}\n`;
  }
}
