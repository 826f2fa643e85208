import { ProtocolError } from '@modelcontextprotocol/client';
import { AppError, isAppError } from '../../errors.js';
import type { CatalogOptions } from '../core/serverPool.js';
import { mapCallError, upstreamMessage } from './callErrors.js';
import { withDeadline } from './deadline.js';

export interface CatalogTarget {
  readonly server: string;
  readonly transport: 'stdio' | 'remote';
  readonly stopped: () => boolean;
}

/**
 * One catalogue request (resources, prompts, completions) within its budget. An upstream's
 * JSON-RPC error keeps its code, message and data (a client tells "no such resource" by them);
 * everything else maps like a tool call's failure.
 */
export function runCatalog<T>(
  target: CatalogTarget,
  options: CatalogOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return withDeadline(options.timeoutMs, options.signal, work, (error, outcome) => {
    if (isAppError(error)) return error;
    if (ProtocolError.isInstance(error) && !outcome.timedOut && !outcome.callerAborted) {
      return new AppError('upstream_error', upstreamMessage(error), {
        serverName: target.server,
        upstreamCode: error.code,
        ...(error.data === undefined ? {} : { upstreamData: error.data }),
      });
    }
    const fields = { server: target.server, tool: options.what, timeoutMs: options.timeoutMs };
    return mapCallError(error, { ...fields, ...outcome, stopped: target.stopped() }, target.transport);
  });
}
