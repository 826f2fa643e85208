import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import type { Context } from 'koa';
import { notFound } from '../errors.js';
import type { ServerSnapshot } from '../runtime/core/types.js';
import type { AppDeps } from './appDeps.js';
import { wantsEventStream } from './jobStream.js';
import { serverNameSchema } from './serverSchemas.js';
import { parseInput } from './validate.js';

export interface LogStreamOptions {
  /** How often the server's bounded log buffer is looked at for new lines (a cursor compare, no copy). */
  readonly checkMs?: number;
  readonly heartbeatMs?: number;
  /** Unsent bytes a slow reader may leave queued before its stream is closed (it resumes by Last-Event-ID). */
  readonly maxQueuedBytes?: number;
}

const DEFAULTS = { checkMs: 250, heartbeatMs: 15_000, maxQueuedBytes: 256 * 1024 };

/** `<epoch>-<n>`: the n-th line ever pushed to the buffer named epoch (a server generation). */
const parseId = (raw: string | undefined): { epoch: string; total: number } | undefined => {
  const m = /^([0-9a-f]{1,16})-(\d{1,15})$/.exec(raw ?? '');
  return m ? { epoch: m[1] as string, total: Number(m[2]) } : undefined;
};

/**
 * GET /mcp/servers/:name/logs/stream: a server's log lines as server-sent events, the lines the
 * GET route shows (redacted on their way into the buffer, admin only like the `logs` field).
 * `log` {line} carries id `<epoch>-<n>`; a reconnect with Last-Event-ID gets only the lines after
 * it while they are still buffered, otherwise `reset` and the whole buffer again (a restart
 * starts a new epoch). `end` when the server is deleted. Nothing is held per connection but the
 * cursor: lines are read from the runtime's bounded buffer, never queued here. Without
 * `Accept: text/event-stream` it answers the held lines as JSON ({logs: [{id, line}]}).
 */
export function logStreamRoutes(deps: AppDeps, options: LogStreamOptions = {}): Router {
  const o = { ...DEFAULTS, ...options };
  const router = new Router();
  router.get('/mcp/servers/:name/logs/stream', (ctx) => {
    const name = parseInput(serverNameSchema, ctx.params.name, 'server name');
    const serverId = deps.projector.readModels.servers.get(name)?.serverId;
    if (serverId === undefined) throw notFound(name);
    const exists = (): boolean => deps.projector.readModels.servers.get(name)?.serverId === serverId;
    if (!wantsEventStream(ctx)) {
      ctx.body = { success: true, logs: numbered(deps.runtime.snapshot(name)) };
      return;
    }
    follow(ctx, o, () => (exists() ? (deps.runtime.snapshot(name) ?? null) : undefined));
  });
  return router;
}

/** The held lines with their ids, for a client that asked for JSON rather than a stream. */
function numbered(snapshot: ServerSnapshot | undefined): Array<{ id: string; line: string }> {
  const cursor = snapshot?.logCursor;
  if (!snapshot || !cursor) return [];
  const first = cursor.total - snapshot.logs.length;
  return snapshot.logs.map((line, i) => ({ id: `${cursor.epoch}-${first + i + 1}`, line }));
}

/** `read()`: the snapshot, null while nothing runs, undefined once the server is gone. */
function follow(
  ctx: Context,
  o: Required<LogStreamOptions>,
  read: () => ServerSnapshot | null | undefined,
): void {
  const stream = new PassThrough();
  ctx.status = 200;
  ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = stream;
  let at = parseId(ctx.get('last-event-id') || undefined);
  const write = (text: string): void => {
    if (!stream.writableEnded) stream.write(text);
  };
  const check = (): void => {
    const snapshot = read();
    if (snapshot === undefined) {
      write(`event: end\ndata: ${JSON.stringify({ reason: 'deleted' })}\n\n`);
      return stop();
    }
    const cursor = snapshot?.logCursor;
    if (!snapshot || !cursor || (at?.epoch === cursor.epoch && at.total === cursor.total)) return;
    const first = cursor.total - snapshot.logs.length; // the number before the oldest held line
    let from = 0;
    if (at?.epoch === cursor.epoch && at.total >= first && at.total <= cursor.total) from = at.total - first;
    else if (at !== undefined) write(`event: reset\ndata: {}\n\n`);
    snapshot.logs.slice(from).forEach((line, i) => {
      write(`id: ${cursor.epoch}-${first + from + i + 1}\nevent: log\ndata: ${JSON.stringify({ line })}\n\n`);
    });
    at = cursor;
    // A reader that does not keep up is let go rather than buffered for: it resumes from its last id.
    if (stream.writableLength > o.maxQueuedBytes) stop();
  };
  const timer = setInterval(check, o.checkMs);
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), o.heartbeatMs);
  function stop(): void {
    clearInterval(timer);
    clearInterval(heartbeat);
    if (!stream.writableEnded) stream.end();
  }
  write('retry: 2000\n\n');
  check();
  ctx.req.once('close', stop);
}
