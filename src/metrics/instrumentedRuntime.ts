import { isAppError } from '../errors.js';
import type { RuntimePort } from '../runtime/core/types.js';
import type { GatewayMetrics } from './gatewayMetrics.js';

const NO_TOOL = new Set(['server_not_found', 'tool_not_found', 'server_disabled', 'server_unavailable']);

/**
 * Counts and times every tool call by outcome. Server names are labels only for registered
 * servers: a flood of calls to made-up names must not create unbounded label values.
 */
export function instrumentRuntime(
  runtime: RuntimePort,
  isKnown: (serverName: string) => boolean,
  metrics: GatewayMetrics,
): RuntimePort {
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
        const known = isKnown(request.serverName);
        const label = known ? request.serverName : '(unknown)';
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.observeCall(label, outcome, seconds);
        // A name the call path never matched to a tool must not become a label of its own.
        const tool = known && !NO_TOOL.has(outcome) ? request.methodName : undefined;
        metrics.observeToolCall(label, tool, request.username, outcome, seconds);
      }
    },
  };
}
