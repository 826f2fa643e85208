import { isAppError } from '../errors.js';
import type { AuditOutcome } from './auditRecord.js';
import type { AuditRecorder, FinishedCall } from './auditRecorder.js';
import type { CallerInfo } from '../runtime/core/types.js';

export interface AuditDeps {
  readonly recorder: AuditRecorder;
  readonly clock: () => Date;
  readonly traceId: () => string | undefined;
}

/** What a record says about the call itself and who made it; timing and outcome are measured here. */
export type CallFacts = Pick<FinishedCall, 'kind' | 'username' | 'serverName' | 'target' | 'args'> & {
  /** As the HTTP layer authenticated the request; absent: an anonymous REST call. */
  readonly who: CallerInfo | undefined;
};

/**
 * Runs one call and records it once it has finished, whatever happened: the caller as the request handed
 * it down, the outcome from the result or the error's code. Nothing here waits on I/O; the record goes to
 * the recorder's batch. `isToolError` marks a result that is an error the tool itself reported.
 */
export async function auditedCall<T>(
  deps: AuditDeps,
  facts: CallFacts,
  run: () => Promise<T>,
  isToolError: (result: T) => boolean = () => false,
): Promise<T> {
  const startedAt = deps.clock();
  const started = performance.now();
  let outcome: AuditOutcome = 'ok';
  let errorCode: string | undefined;
  try {
    const result = await run();
    if (isToolError(result)) outcome = 'tool_error';
    return result;
  } catch (e) {
    outcome = 'error';
    errorCode = isAppError(e) ? e.code : 'internal_error';
    throw e;
  } finally {
    const who = facts.who;
    // Named fields, not a spread of `facts`: a spread plus added fields builds the record through V8's slow
    // property path, which was 3% of a REST call's CPU.
    deps.recorder.record({
      kind: facts.kind,
      username: facts.username,
      serverName: facts.serverName,
      target: facts.target,
      args: facts.args,
      startedAt,
      durationMs: performance.now() - started,
      caller: who?.caller ?? { type: 'anonymous' },
      via: who?.via ?? 'rest',
      outcome,
      errorCode,
      traceId: deps.traceId(),
    });
  }
}
