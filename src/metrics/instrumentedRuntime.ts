import { isAppError } from '../errors.js';
import type { RuntimePort } from '../runtime/core/types.js';
import type { GatewayMetrics } from './gatewayMetrics.js';

/**
 * Counts and times every tool call by outcome. Server names are labels only for registered
 * servers: a flood of calls to made-up names must not create unbounded label values.
 */
export function instrumentRuntime(runtime: RuntimePort, isKnown: (serverName: string) => boolean, metrics: GatewayMetrics): RuntimePort {
  return {
    snapshot: (name) => runtime.snapshot(name),
    async callTool(request, signal, extras) {
      const started = process.hrtime.bigint();
      let outcome = 'ok';
      try {
        const result = await runtime.callTool(request, signal, extras);
        if (result.isError === true) outcome = 'tool_error';
        return result;
      } catch (e) {
        outcome = isAppError(e) ? e.code : 'internal_error';
        throw e;
      } finally {
        const label = isKnown(request.serverName) ? request.serverName : '(unknown)';
        metrics.observeCall(label, outcome, Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
  };
}
