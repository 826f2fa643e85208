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
}
