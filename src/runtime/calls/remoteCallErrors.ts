import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AppError, isAppError } from '../../errors.js';
import { isNetworkFailure } from '../remote/connectionSlot.js';
import { UrlRefusedError } from '../../net/urlSafety.js';

export interface RemoteCallFailure {
  readonly server: string;
  readonly tool: string;
  readonly timeoutMs: number;
  readonly timedOut: boolean;
  readonly callerAborted: boolean;
  readonly stopped: boolean;
}

const MCP_PREFIX = /^MCP error -?\d+: /;
const STREAMABLE_PREFIX = /^Streamable HTTP error: /;

/** Maps what a remote tools/call rejected with to the gateway's typed errors. Abort and timeout are told apart by our own flags. */
export function toRemoteCallError(error: unknown, f: RemoteCallFailure): AppError {
  const fields = { serverName: f.server, toolName: f.tool };
  if (isAppError(error)) return error;
  if (f.callerAborted) {
    return new AppError('client_closed_request', `Client closed the request before tool ${f.tool} on server ${f.server} completed`, fields);
  }
  if (f.timedOut || (error instanceof McpError && error.code === ErrorCode.RequestTimeout)) {
    return new AppError('upstream_timeout', `Tool ${f.tool} on server ${f.server} timed out after ${f.timeoutMs} ms`, { ...fields, timeoutMs: f.timeoutMs });
  }
  if (f.stopped) return new AppError('server_unavailable', `Server ${f.server} was stopped while tool ${f.tool} was running`, fields);
  if (error instanceof UrlRefusedError) return new AppError('upstream_error', `Server ${f.server}: ${error.message}`, fields);
  if (isNetworkFailure(error)) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
    return new AppError('upstream_error', `Server ${f.server} is unreachable${code}; reconnecting`, fields);
  }
  if (error instanceof McpError) {
    if (error.code === ErrorCode.ConnectionClosed) return new AppError('upstream_error', `Server ${f.server} closed the connection while tool ${f.tool} was running`, fields);
    return new AppError('upstream_error', `Server ${f.server} returned an error for tool ${f.tool}: ${error.message.replace(MCP_PREFIX, '')}`, {
      ...fields,
      upstreamCode: error.code,
    });
  }
  if (error instanceof StreamableHTTPError) {
    const message = error.message.replace(STREAMABLE_PREFIX, '').slice(0, 300);
    return new AppError('upstream_error', `Server ${f.server} failed tool ${f.tool}: ${message}`, { ...fields, ...((error.code ?? 0) > 0 ? { httpStatus: error.code } : {}) });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'Not connected') return new AppError('server_unavailable', `Server ${f.server} is not connected`, fields);
  return new AppError('upstream_error', `Server ${f.server} failed tool ${f.tool}: ${message.slice(0, 300)}`, fields, { cause: error });
}
