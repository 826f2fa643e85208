import type { Caller } from '../runtime/core/types.js';

/**
 * One audited call: a tool call, a resource read (`target` the server's URI), a prompt get (the
 * prompt's name) or a completion (the prompt name or URI template it completes for). Argument
 * values are never recorded: only their names and JSON sizes.
 */
export type AuditKind = 'tool_call' | 'resource_read' | 'prompt_get' | 'completion';

/** Who authenticated. Never the token itself: its id (user tokens) or the OAuth client id. */
export type AuditCaller = Caller;

export type AuditOutcome = 'ok' | 'tool_error' | 'error';

export interface AuditArgument {
  readonly name: string;
  /** Bytes of the value as JSON (UTF-8). */
  readonly bytes: number;
}

export interface AuditRecord {
  readonly id: string;
  readonly kind: AuditKind;
  /** When the call started (ISO 8601, UTC). */
  readonly at: string;
  readonly durationMs: number;
  /** The user the call acted for (whose secrets it used). */
  readonly username: string;
  readonly caller: AuditCaller;
  readonly via: 'rest' | 'mcp';
  readonly serverName: string;
  /** Tool name (tool calls), resource URI, prompt name, or what a completion is for. */
  readonly target: string;
  readonly outcome: AuditOutcome;
  /** The gateway error code when `outcome` is "error". */
  readonly errorCode?: string;
  readonly args: readonly AuditArgument[];
  /** The trace the call belongs to, when tracing is on. */
  readonly traceId?: string;
}

export interface AuditFilter {
  readonly username?: string | undefined;
  readonly serverName?: string | undefined;
  /** Matches `target`. */
  readonly tool?: string | undefined;
  readonly kind?: AuditKind | undefined;
  /** Inclusive bounds on `at`. */
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
}

export function matches(record: AuditRecord, filter: AuditFilter): boolean {
  if (filter.username !== undefined && record.username !== filter.username) return false;
  if (filter.serverName !== undefined && record.serverName !== filter.serverName) return false;
  if (filter.tool !== undefined && record.target !== filter.tool) return false;
  if (filter.kind !== undefined && record.kind !== filter.kind) return false;
  const at = Date.parse(record.at);
  if (filter.from !== undefined && at < filter.from.getTime()) return false;
  if (filter.to !== undefined && at > filter.to.getTime()) return false;
  return true;
}

/** Names and JSON sizes of the arguments, never their values. */
export function argumentSizes(args: Record<string, unknown>): AuditArgument[] {
  return Object.entries(args).map(([name, value]) => ({ name: name.slice(0, 256), bytes: jsonBytes(value) }));
}

function jsonBytes(value: unknown): number {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
  } catch {
    return 0;
  }
}
