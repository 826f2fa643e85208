import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { AppError, isAppError } from '../../errors.js';
import { UrlRefusedError } from '../../net/urlSafety.js';
import { isNetworkFailure } from '../remote/connectionSlot.js';
import { RESULT_TOO_LARGE_CODE } from '../core/oversized.js';
import { describeExit, type ProcessExit } from '../stdio/stdioProcessTransport.js';

/**
 * How a tools/call ended, for mapping what it rejected with to the gateway's typed errors. The SDK
 * reports abort and timeout alike, so our own deadline and the caller's signal decide first.
 */
export interface CallFailure {
  readonly server: string;
  readonly tool: string;
  readonly timeoutMs: number;
  readonly timedOut: boolean;
  readonly callerAborted: boolean;
  /** The supervisor was stopped (disable, update, shutdown) while the call ran. */
  readonly stopped: boolean;
  /** Still waiting for the server to (re)connect when the call ended. */
  readonly waiting?: boolean | undefined;
  readonly statusMessage?: string | undefined;
  /** stdio: the process or pipe used for the call went away, and how the process ended. */
  readonly connectionLost?: boolean | undefined;
  readonly exit?: ProcessExit | undefined;
}

/** v1 SDKs prefixed relayed messages; an upstream that forwards another server's error may still carry one (or two). */
const MCP_PREFIX = /^(?:MCP error -?\d+: )+/;

/** 2026-07-28: the upstream refused because the client lacks a capability it names in `data`. */
const MISSING_CLIENT_CAPABILITY = -32021;

/**
 * The capabilities a -32021 refusal names, rebuilt from their names only (the client needs them to
 * know what it lacks; nothing else of the upstream's error data is passed on).
 */
function missingCapabilities(error: { code: number; data?: unknown }): { requiredCapabilities?: object } {
  const required = (error.data as { requiredCapabilities?: unknown } | undefined)?.requiredCapabilities;
  if (error.code !== MISSING_CLIENT_CAPABILITY || typeof required !== 'object' || required === null)
    return {};
  const names = Object.keys(required).filter((name) => /^[A-Za-z][\w.-]{0,63}$/.test(name));
  return { requiredCapabilities: Object.fromEntries(names.slice(0, 16).map((name) => [name, {}])) };
}

export const upstreamMessage = (error: Error): string => error.message.replace(MCP_PREFIX, '');

/** The shared head: what the caller and our deadline did, and answers too big to take, whatever the transport. */
export function mapCallError(error: unknown, f: CallFailure, transport: 'stdio' | 'remote'): AppError {
  const fields = { serverName: f.server, toolName: f.tool };
  if (isAppError(error)) return error;
  if (f.callerAborted) {
    return new AppError(
      'client_closed_request',
      `Client closed the request before tool ${f.tool} on server ${f.server} completed`,
      fields,
    );
  }
  if (f.timedOut && f.waiting) {
    const why = f.statusMessage ? `: ${f.statusMessage}` : '';
    return new AppError(
      'server_unavailable',
      `Server ${f.server} did not become ready within ${f.timeoutMs} ms (status connecting${why})`,
      fields,
    );
  }
  if (f.timedOut || (SdkError.isInstance(error) && error.code === SdkErrorCode.RequestTimeout)) {
    return new AppError(
      'upstream_timeout',
      `Tool ${f.tool} on server ${f.server} timed out after ${f.timeoutMs} ms`,
      { ...fields, timeoutMs: f.timeoutMs },
    );
  }
  const tooLarge = resultTooLarge(error);
  if (tooLarge) {
    return new AppError(
      'result_too_large',
      `Tool ${f.tool} on server ${f.server} returned ${tooLarge.size} bytes, over the limit of ${tooLarge.limit} bytes`,
      {
        ...fields,
        ...tooLarge,
      },
    );
  }
  return transport === 'stdio' ? stdioTail(error, f) : remoteTail(error, f);
}

function resultTooLarge(error: unknown): { size: number; limit: number } | undefined {
  if (!ProtocolError.isInstance(error) || error.code !== RESULT_TOO_LARGE_CODE) return undefined;
  const data = error.data as { reason?: unknown; size?: unknown; limit?: unknown } | undefined;
  if (data?.reason !== 'result_too_large' || typeof data.size !== 'number' || typeof data.limit !== 'number')
    return undefined;
  return { size: data.size, limit: data.limit };
}

function stdioTail(error: unknown, f: CallFailure): AppError {
  const fields = { serverName: f.server, toolName: f.tool };
  if (f.connectionLost || isConnectionGone(error)) {
    if (f.stopped)
      return new AppError(
        'server_unavailable',
        `Server ${f.server} was stopped while tool ${f.tool} was running`,
        fields,
      );
    const how = f.exit ? `exited (${describeExit(f.exit)})` : 'closed the connection';
    return new AppError('upstream_crashed', `Server ${f.server} ${how} while tool ${f.tool} was running`, {
      ...fields,
      ...(f.exit ? { exitCode: f.exit.code, signal: f.exit.signal } : {}),
    });
  }
  if (ProtocolError.isInstance(error)) {
    return new AppError(
      'upstream_error',
      `Server ${f.server} returned an error for tool ${f.tool}: ${upstreamMessage(error)}`,
      {
        ...fields,
        upstreamCode: error.code,
        ...missingCapabilities(error),
      },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError(
    'upstream_error',
    `Server ${f.server} sent an unusable response for tool ${f.tool}: ${message}`,
    fields,
    { cause: error },
  );
}

function remoteTail(error: unknown, f: CallFailure): AppError {
  const fields = { serverName: f.server, toolName: f.tool };
  if (f.stopped)
    return new AppError(
      'server_unavailable',
      `Server ${f.server} was stopped while tool ${f.tool} was running`,
      fields,
    );
  if (error instanceof UrlRefusedError)
    return new AppError('upstream_error', `Server ${f.server}: ${error.message}`, fields);
  if (isNetworkFailure(error)) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
    return new AppError('upstream_error', `Server ${f.server} is unreachable${code}; reconnecting`, fields);
  }
  if (SdkError.isInstance(error) && error.code === SdkErrorCode.ConnectionClosed) {
    return new AppError(
      'upstream_error',
      `Server ${f.server} closed the connection while tool ${f.tool} was running`,
      fields,
    );
  }
  if (ProtocolError.isInstance(error)) {
    return new AppError(
      'upstream_error',
      `Server ${f.server} returned an error for tool ${f.tool}: ${upstreamMessage(error)}`,
      {
        ...fields,
        upstreamCode: error.code,
        ...missingCapabilities(error),
      },
    );
  }
  if (SdkHttpError.isInstance(error)) {
    const status = typeof error.status === 'number' && error.status > 0 ? { httpStatus: error.status } : {};
    return new AppError(
      'upstream_error',
      `Server ${f.server} failed tool ${f.tool}: ${error.message.slice(0, 300)}`,
      { ...fields, ...status },
    );
  }
  if (isNotConnected(error))
    return new AppError('server_unavailable', `Server ${f.server} is not connected`, fields);
  const message = error instanceof Error ? error.message : String(error);
  return new AppError(
    'upstream_error',
    `Server ${f.server} failed tool ${f.tool}: ${message.slice(0, 300)}`,
    fields,
    { cause: error },
  );
}

const isNotConnected = (error: unknown): boolean =>
  (SdkError.isInstance(error) && error.code === SdkErrorCode.NotConnected) ||
  (error instanceof Error && error.message === 'Not connected');

function isConnectionGone(error: unknown): boolean {
  return (
    (SdkError.isInstance(error) && error.code === SdkErrorCode.ConnectionClosed) || isNotConnected(error)
  );
}
