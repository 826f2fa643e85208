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
