import { auditedCall } from './auditedCall.js';
import type { RuntimePort } from '../runtime/core/types.js';
import type { AuditRecorder } from './auditRecorder.js';
import type { CallerScope } from './callerScope.js';

/**
 * Records every tool call that reaches the call path (REST and /mcp alike) once it has finished:
 * the caller comes from the request's scope, the outcome from the result. Nothing here waits on
 * I/O; the record is handed to the recorder's batch.
 */
export function auditRuntime(
  runtime: RuntimePort,
  recorder: AuditRecorder,
  scope: CallerScope,
  clock: () => Date,
  traceId: () => string | undefined = () => undefined,
): RuntimePort {
  const deps = { recorder, scope, clock, traceId };
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
        },
        () => runtime.callTool(request, signal, extras),
        (result) => result.isError === true,
      ),
  };
}
