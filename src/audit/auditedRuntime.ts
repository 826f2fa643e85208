import { auditedCall } from './auditedCall.js';
import type { RuntimePort } from '../runtime/core/types.js';
import type { AuditRecorder } from './auditRecorder.js';

/**
 * Records every tool call that reaches the call path (REST and /mcp alike) once it has finished:
 * the caller comes with the call (`extras.caller`), the outcome from the result. Nothing here waits on
 * I/O; the record is handed to the recorder's batch.
 */
export function auditRuntime(
  runtime: RuntimePort,
  recorder: AuditRecorder,
  clock: () => Date,
  traceId: () => string | undefined = () => undefined,
): RuntimePort {
  const deps = { recorder, clock, traceId };
  return {
    snapshot: (name) => runtime.snapshot(name),
    callTool: (request, signal, extras) =>
      auditedCall(
        deps,
        {
          kind: 'tool_call',
          username: request.username,
          serverName: request.serverName,
          target: request.methodName,
          args: request.args,
          who: extras?.caller,
        },
        () => runtime.callTool(request, signal, extras),
        (result) => result.isError === true,
      ),
  };
}
