import { isAppError } from '../errors.js';
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
  return {
    snapshot: (name) => runtime.snapshot(name),
    async callTool(request, signal, extras) {
      const startedAt = clock();
      const started = performance.now();
      let outcome: 'ok' | 'tool_error' | 'error' = 'ok';
      let errorCode: string | undefined;
      try {
        const result = await runtime.callTool(request, signal, extras);
        if (result.isError === true) outcome = 'tool_error';
        return result;
      } catch (e) {
        outcome = 'error';
        errorCode = isAppError(e) ? e.code : 'internal_error';
        throw e;
      } finally {
        const who = scope.current();
        recorder.record({
          kind: 'tool_call',
          startedAt,
          durationMs: performance.now() - started,
          username: request.username,
          caller: who?.caller ?? { type: 'anonymous' },
          via: who?.via ?? 'rest',
          serverName: request.serverName,
          target: request.methodName,
          outcome,
          errorCode,
          args: request.args,
          traceId: traceId(),
        });
      }
    },
  };
}
