import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { isAppError } from '../errors.js';
import type { Job } from '../runtime/packages/packageJobs.js';

const HEARTBEAT_MS = 15_000;

/** Whether the client asked to follow progress (`Accept: text/event-stream`). */
export const wantsEventStream = (ctx: Context): boolean =>
  ctx.accepts('application/json', 'text/event-stream') === 'text/event-stream';

/**
 * Streams a job as server-sent events: `log` {line} for each output line (earlier lines first),
 * then `result` (the final JSON body) or `error` ({success:false, error, code}), then the end.
 * A client that disconnects stops following; the job itself goes on.
 */
export function streamJob(ctx: Context, job: Job, final: () => Record<string, unknown>): void {
  const stream = new PassThrough();
  ctx.status = 200;
  ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = stream;
  const send = (event: string, data: unknown): void => {
    if (!stream.writableEnded) stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const heartbeat = setInterval(
    () => !stream.writableEnded && stream.write(': keep-alive\n\n'),
    HEARTBEAT_MS,
  );
  const end = (): void => {
    clearInterval(heartbeat);
    if (!stream.writableEnded) stream.end();
  };
  const unfollow = job.follow((event) => {
    if (event.type === 'line') return send('log', { line: event.line });
    job.result
      .then(
        () => send('result', final()),
        (e: unknown) =>
          send('error', {
            success: false,
            error: e instanceof Error ? e.message : String(e),
            code: isAppError(e) ? e.code : 'internal_error',
          }),
      )
      .finally(end);
  });
  ctx.req.once('close', () => {
    unfollow();
    clearInterval(heartbeat);
  });
}
