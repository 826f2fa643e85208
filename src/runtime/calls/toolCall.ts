import { mapCallError } from './callErrors.js';
import { withDeadline } from './deadline.js';
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
  return withDeadline(
    timeoutMs,
    options.signal,
    async (signal) => {
      conn = await target.waitForConnection(signal);
      waiting = false;
      // [obs hook] trace
      return conn.callTool(tool, args, {
        signal,
        timeoutMs,
        onProgress: options.onProgress,
        trace: options.trace,
        relay: options.relay,
        asTask: options.asTask,
      });
    },
    (error, outcome) =>
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
      ),
  );
}
