/** How a call ended, for mapping its error: our deadline, or the caller hanging up. */
export interface DeadlineOutcome {
  readonly timedOut: boolean;
  readonly callerAborted: boolean;
}

/**
 * Runs `work` with its own AbortSignal, aborted by the deadline or by the caller's signal. The
 * caller's (possibly long-lived) signal gets exactly one listener, removed when the work ends.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
  onError: (error: unknown, outcome: DeadlineOutcome) => Error,
): Promise<T> {
  const call = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    call.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const onCallerAbort = (): void => call.abort(callerSignal?.reason);
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  if (callerSignal?.aborted) onCallerAbort();
  try {
    return await work(call.signal);
  } catch (error) {
    throw onError(error, { timedOut, callerAborted: callerSignal?.aborted === true });
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}
