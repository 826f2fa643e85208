import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AppError, isAppError } from '../../errors.js';
import { describeExit, type ProcessExit } from '../stdio/stdioProcessTransport.js';

/**
 * Maps whatever a tools/call rejected with to the gateway's typed errors. The SDK reports abort
 * and timeout both as McpError -32001, so the caller's and our own signal state decide first.
 */
export interface CallFailure {
  server: string;
  tool: string;
  timeoutMs: number;
  /** Still waiting for the server to (re)connect when the call ended. */
  waiting: boolean;
  timedOut: boolean;
  callerAborted: boolean;
  /** The connection used for the call died (process exit, closed pipe). */
  connectionLost: boolean;
  /** The supervisor was stopped (disable, update, shutdown) while the call ran. */
  stopped: boolean;
  exit?: ProcessExit | undefined;
  statusMessage?: string | undefined;
}

const MCP_PREFIX = /^MCP error -?\d+: /;

export function toCallError(error: unknown, f: CallFailure): AppError {
  const fields = { serverName: f.server, toolName: f.tool };
  if (isAppError(error)) return error;
  if (f.callerAborted) {
    return new AppError('client_closed_request', `Client closed the request before tool ${f.tool} on server ${f.server} completed`, fields);
  }
  if (f.timedOut && f.waiting) {
    const why = f.statusMessage ? `: ${f.statusMessage}` : '';
    return new AppError('server_unavailable', `Server ${f.server} did not become ready within ${f.timeoutMs} ms (status connecting${why})`, fields);
  }
  if (f.timedOut || (error instanceof McpError && error.code === ErrorCode.RequestTimeout)) {
    return new AppError('upstream_timeout', `Tool ${f.tool} on server ${f.server} timed out after ${f.timeoutMs} ms`, {
      ...fields,
      timeoutMs: f.timeoutMs,
    });
  }
  if (f.connectionLost || isConnectionGone(error)) {
    if (f.stopped) return new AppError('server_unavailable', `Server ${f.server} was stopped while tool ${f.tool} was running`, fields);
    const how = f.exit ? `exited (${describeExit(f.exit)})` : 'closed the connection';
    return new AppError('upstream_crashed', `Server ${f.server} ${how} while tool ${f.tool} was running`, {
      ...fields,
      ...(f.exit ? { exitCode: f.exit.code, signal: f.exit.signal } : {}),
    });
  }
  if (error instanceof McpError) {
    return new AppError('upstream_error', `Server ${f.server} returned an error for tool ${f.tool}: ${error.message.replace(MCP_PREFIX, '')}`, {
      ...fields,
      upstreamCode: error.code,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('upstream_error', `Server ${f.server} sent an unusable response for tool ${f.tool}: ${message}`, fields, { cause: error });
}

function isConnectionGone(error: unknown): boolean {
  if (error instanceof McpError) return error.code === ErrorCode.ConnectionClosed;
  return error instanceof Error && error.message === 'Not connected';
}
