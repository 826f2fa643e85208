import { mapCallError } from './callErrors.js';
import { withDeadline } from './deadline.js';
import type { StdioConnection } from '../stdio/stdioConnection.js';
import type { CallOptions, ToolResult } from '../core/types.js';

/** What a tool call needs from its supervisor. */
export interface ToolCallTarget {
  readonly name: string;
  /** The live connection, once there is one; rejects when the server is unavailable. */
  waitForConnection(signal: AbortSignal): Promise<StdioConnection>;
  /** The live connection right now, if the server is connected (no waiting). */
  connectionNow?(): StdioConnection | undefined;
  /** True once the supervisor was stopped (disable, update, shutdown). */
  isStopped(): boolean;
  statusMessage(): string | undefined;
}

/** One tools/call on a stdio connection, waiting (within the call's budget) while the server connects. */
export function runToolCall(
  target: ToolCallTarget,
  tool: string,
  args: Record<string, unknown>,
  options: CallOptions,
): Promise<ToolResult> {
  const { timeoutMs } = options;
  let waiting = true;
  let conn: StdioConnection | undefined;
  const call = (c: StdioConnection, signal: AbortSignal): Promise<ToolResult> =>
    // [obs hook] trace
    c.callTool(tool, args, {
      signal,
      timeoutMs,
      onProgress: options.onProgress,
      trace: options.trace,
      relay: options.relay,
      asTask: options.asTask,
    });
  const mapError = (error: unknown, outcome: { timedOut: boolean; callerAborted: boolean }): Error =>
    mapCallError(
      error,
      {
        server: target.name,
        tool,
        timeoutMs,
        ...outcome,
        waiting,
        connectionLost: conn?.closed === true,
        stopped: target.isStopped(),
        exit: conn?.exitInfo,
        statusMessage: target.statusMessage(),
      },
      'stdio',
    );
  const callerSignal = options.signal;
  // Connected already (the usual case): the SDK's request timeout is the budget (a multi-round call bounds
  // its later rounds itself, see relayedCall.ts) and the caller's own signal cancels it: no deadline
  // controller, listener or timer of ours on the hot path. A task runs several requests: it keeps the deadline.
  const live = callerSignal && !options.asTask ? target.connectionNow?.() : undefined;
  if (live && callerSignal) {
    conn = live;
    waiting = false;
    return (async () => {
      try {
        return await call(live, callerSignal);
      } catch (error) {
        throw mapError(error, { timedOut: false, callerAborted: callerSignal.aborted });
      }
    })();
  }
  return withDeadline(
    timeoutMs,
    options.signal,
    async (signal) => {
      conn = await target.waitForConnection(signal);
      waiting = false;
      return call(conn, signal);
    },
    mapError,
  );
}
