import type { AuthInfo, ServerContext } from '@modelcontextprotocol/server';
import type { CallerInfo } from '../core/types.js';
import type { ToolFilter } from './toolCatalog.js';

/** Who a session or request acts as. `subject` is who authenticated; a legacy session is bound to it. */
export interface McpPrincipal {
  readonly username: string;
  readonly subject: string;
}

/**
 * The access decision for one /mcp request, made by the HTTP layer before any MCP parsing: who
 * calls (authentication, the acting user), what they may see and call (the filter) and whether a
 * call is admitted now (rate limits). Both protocol eras receive this same object and consult
 * nothing else, so a protocol version header cannot change an answer.
 */
export interface McpAccess {
  readonly principal: McpPrincipal;
  /** Applies to a modern request, a stateless request, or to the legacy session `initialize` opens. */
  readonly filter: ToolFilter;
  /** Refuses a call (rate limits) by throwing an AppError; `what` names the calls in its message. */
  readonly admitCall?: ((username: string, what?: string) => void) | undefined;
  /** Who sent this request (the token's id, not the token), for the audit trail. */
  readonly caller?: CallerInfo | undefined;
}

/**
 * What each /mcp request hands the SDK as its AuthInfo: the SDK gives it to every handler of that request
 * (`ctx.http.authInfo`), so a legacy session's calls are audited under the token of the request that made
 * them, not the one that opened the session.
 */
export function requestAuthInfo(access: McpAccess): AuthInfo {
  return {
    token: '',
    clientId: access.principal.subject,
    scopes: [],
    ...(access.caller ? { extra: { caller: access.caller } } : {}),
  };
}

/** Who sent the request a handler serves (see requestAuthInfo); else whoever the server was built for. */
export function callerOfRequest(ctx: ServerContext, access: McpAccess): CallerInfo | undefined {
  const caller = ctx.http?.authInfo?.extra?.caller;
  return isCallerInfo(caller) ? caller : access.caller;
}

function isCallerInfo(value: unknown): value is CallerInfo {
  if (value === null || typeof value !== 'object') return false;
  const { via, caller } = value as { via?: unknown; caller?: unknown };
  return (via === 'rest' || via === 'mcp') && caller !== null && typeof caller === 'object';
}
