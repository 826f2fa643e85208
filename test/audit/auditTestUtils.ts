import type { FinishedCall } from '../../src/audit/auditRecorder.js';

/** A finished tool call with every field set; override what a test is about. */
export function finishedCall(over: Partial<FinishedCall> = {}): FinishedCall {
  return {
    kind: 'tool_call',
    startedAt: new Date('2026-11-30T10:00:00Z'),
    durationMs: 1.5,
    username: 'alice',
    caller: { type: 'user', tokenId: 't1' },
    via: 'rest',
    serverName: 'fixture',
    target: 'echo',
    outcome: 'ok',
    args: { message: 'hello' },
    ...over,
  };
}
