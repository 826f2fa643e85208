import { toCallError } from './callErrors.js';
import type { StdioConnection } from '../stdio/stdioConnection.js';
import type { CallOptions, ToolResult } from '../core/types.js';

/** What a tool call needs from its supervisor. */
export interface ToolCallTarget {
  readonly name: string;
  /** The live connection, once there is one; rejects when the server is unavailable. */
  waitForConnection(signal: AbortSignal): Promise<StdioConnection>;
  /** True once the supervisor was stopped (disable, update, shutdown). */
  isStopped(): boolean;
  statusMessage(): string | undefined;
}

/**
 * One tools/call with its own AbortController, fed by our timeout and by the caller's signal.
 * The SDK adds an abort listener to the signal it is given and never removes it, so it only ever
 * sees the per-call signal; the caller's (possibly long-lived) signal gets one listener, removed
 * in `finally`.
 */
export async function runToolCall(target: ToolCallTarget, tool: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolResult> {
  const { timeoutMs, signal: callerSignal } = options;
  const call = new AbortController();
  const onCallerAbort = (): void => call.abort(callerSignal?.reason);
  let timedOut = false;
  let waiting = true;
  let conn: StdioConnection | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    call.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  if (callerSignal?.aborted) onCallerAbort();
  try {
    conn = await target.waitForConnection(call.signal);
    waiting = false;
    return await conn.callTool(tool, args, { signal: call.signal, timeoutMs, onProgress: options.onProgress });
  } catch (error) {
    throw toCallError(error, {
      server: target.name,
      tool,
      timeoutMs,
      waiting,
      timedOut,
      callerAborted: callerSignal?.aborted === true,
      connectionLost: conn?.closed === true,
      stopped: target.isStopped(),
      exit: conn?.exitInfo,
      statusMessage: target.statusMessage(),
    });
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}
