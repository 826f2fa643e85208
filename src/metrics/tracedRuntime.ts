import type { RuntimePort } from '../runtime/core/types.js';
import type { Telemetry } from '../telemetry/telemetry.js';

/**
 * A span per tool call through the gateway (GenAI `execute_tool`), REST and /mcp alike; the call
 * path's own steps (secrets, validation, process start, upstream call) are its children. A tool
 * result with isError fails the span with `error.type` "tool_error".
 */
export function traceRuntime(runtime: RuntimePort, telemetry: Telemetry): RuntimePort {
  if (!telemetry.enabled) return runtime;
  return {
    snapshot: (name) => runtime.snapshot(name),
    callTool: (request, signal, extras) =>
      telemetry.span(
        `execute_tool ${request.methodName}`,
        async (span) => {
          const result = await runtime.callTool(request, signal, extras);
          if (result.isError === true) span.fail('tool_error');
          return result;
        },
        {
          attributes: {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': request.methodName,
            'mcp_api.server.name': request.serverName,
          },
        },
      ),
  };
}
