import type { Socket } from 'node:net';
import type { Context } from 'koa';

/** Runs `work` with a signal that aborts when the HTTP client hangs up, so upstream calls are cancelled. */
export async function withClientAbort<T>(
  ctx: Context,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const abort = new AbortController();
  const onClose = (): void => {
    if (!ctx.res.writableFinished) abort.abort(new Error('HTTP client disconnected'));
  };
  ctx.res.once('close', onClose);
  try {
    return await work(abort.signal);
  } finally {
    ctx.res.off('close', onClose);
  }
}

/**
 * One signal per client connection instead of one controller per request, for the tool-call hot path: it
 * aborts when the connection closes, which is how an HTTP/1.1 client hangs up on a request (requests on
 * one connection run one after another, so an aborted signal never reaches a later request). Callers
 * add an abort listener per call and remove it when the call ends.
 */
export function connectionSignals(): (ctx: Context) => AbortSignal {
  const bySocket = new WeakMap<Socket, AbortController>();
  return (ctx) => {
    const socket = ctx.req.socket;
    let abort = bySocket.get(socket);
    if (!abort) {
      const created = new AbortController();
      bySocket.set(socket, created);
      socket.once('close', () => created.abort(new Error('HTTP client disconnected')));
      abort = created;
    }
    return abort.signal;
  };
}
