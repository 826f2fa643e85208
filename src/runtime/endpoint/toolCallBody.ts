import { randomUUID } from 'node:crypto';
import {
  ProtocolError,
  ProtocolErrorCode,
  UrlElicitationRequiredError,
  inputRequired,
  type CallToolResult,
  type ClientCapabilities,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { isAppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { JsonObject, ProgressUpdate, ToolCallExtras, ToolResult } from '../core/types.js';
import type { ClientRelay } from '../relay/clientRelay.js';
import { callerOfRequest, type McpAccess } from './access.js';
import { renameUris, type Naming } from './catalog/naming.js';
import type { McpToolSource } from './sessionServer.js';
import { allowedByFilter } from './toolCatalog.js';

/** What one /mcp tools/call needs from its session server. */
export interface CallBodyDeps {
  readonly source: McpToolSource;
  readonly access: McpAccess;
  readonly logger: Logger;
  readonly naming: Naming;
  /**
   * Whether a 2025-era client asked this server for log messages (logging/setLevel). Without it, the
   * gateway's own per-call debug notice is not sent: an unasked notification on every call costs the
   * client a message and the answer an extra write. 2026-07-28 requests ask per request (the SDK filters).
   */
  readonly logsAsked?: () => boolean;
}

export interface CallTarget {
  /** The exposed name the client called. */
  readonly name: string;
  readonly serverName: string;
  readonly toolName: string;
}

/** How a call reaches its client while it runs: the plain request, or a task (relay/gatewayTasks.ts). */
export type CallRunner = (
  start: (signal: AbortSignal, relay: ClientRelay | undefined) => Promise<ToolResult>,
) => Promise<ToolResult>;

/** Codes that mean "no such tool (for you)": a JSON-RPC error, as for any unknown tool. */
const UNKNOWN_TOOL = new Set([
  'server_not_found',
  'tool_not_found',
  'server_disabled',
  'access_denied',
  'tool_pending_approval',
]);

/**
 * The tool a name stands for, after the access filter. Whether it exists is the call path's answer
 * (it waits for a server still starting, and asks a per-user server's own process).
 */
export function resolveTarget(name: string, access: McpAccess, naming: Naming): CallTarget {
  const parsed = naming.parseName(name);
  if (!parsed || !allowedByFilter(access.filter, parsed.server, name))
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
  return { name, serverName: parsed.server, toolName: parsed.name };
}

/**
 * The one /mcp call path, for a plain tools/call and for a task alike: rate limit (admitCall),
 * the gateway's call (access policy, secrets, audit, relays, progress) through `runner`, resource
 * URIs renamed for this endpoint, and gateway errors mapped to what an MCP client expects.
 */
export async function callToolBody(
  deps: CallBodyDeps,
  server: Server,
  ctx: ServerContext,
  target: CallTarget,
  args: Record<string, unknown>,
  runner: CallRunner,
  onProgress: ((update: ProgressUpdate) => void) | undefined,
): Promise<CallToolResult> {
  const username = deps.access.principal.username;
  try {
    deps.access.admitCall?.(username);
    const call = { username, serverName: target.serverName, methodName: target.toolName, args };
    if (ctx.mcpReq.envelope !== undefined || deps.logsAsked?.()) {
      const message = `calling ${target.toolName} on ${target.serverName}`;
      await ctx.mcpReq.log('debug', { message }, 'mcp-api').catch(() => undefined);
    }
    const clientCapabilities = server.getClientCapabilities();
    const extras: ToolCallExtras = {
      onProgress,
      caller: callerOfRequest(ctx, deps.access),
      ...(clientCapabilities ? { clientCapabilities } : {}),
    };
    // The signal aborts on notifications/cancelled, when a legacy session closes, when a modern
    // request's response stream closes, or when a task is cancelled: the upstream call is cancelled too.
    const result = await runner((signal, relay) => deps.source.call(call, signal, { ...extras, relay }));
    // Resource links and embedded resources point where the client can read them: through here.
    return renameUris(result as JsonObject, target.serverName, deps.naming) as CallToolResult;
  } catch (error) {
    return await failure(error, target.name, deps.logger, ctx, server.getClientCapabilities());
  }
}

export const toolError = (text: string): CallToolResult => ({
  isError: true,
  content: [{ type: 'text', text }],
});

/**
 * Gateway errors become what an MCP client expects: unknown tools and upstream JSON-RPC errors stay
 * JSON-RPC errors; everything a model could act on (bad arguments, timeouts, a crashed or busy
 * server, limits) is a tool result with isError, so the model sees the message.
 */
async function failure(
  error: unknown,
  tool: string,
  logger: Logger,
  ctx: ServerContext,
  capabilities?: ClientCapabilities,
): Promise<CallToolResult> {
  if (!isAppError(error)) {
    logger.error('mcp endpoint tool call failed', { tool, error });
    throw new ProtocolError(ProtocolErrorCode.InternalError, 'Internal error');
  }
  await ctx.mcpReq
    .log('error', { message: error.message, code: error.code, tool }, 'mcp-api')
    .catch(() => undefined);
  if (UNKNOWN_TOOL.has(error.code))
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${tool} (${error.message})`);
  const upstreamCode = error.details.upstreamCode;
  if (error.code === 'upstream_error' && typeof upstreamCode === 'number') {
    const required = error.details.requiredCapabilities;
    throw new ProtocolError(
      upstreamCode,
      error.message,
      required ? { requiredCapabilities: required } : undefined,
    );
  }
  if (error.code === 'internal_error')
    throw new ProtocolError(ProtocolErrorCode.InternalError, error.message);
  const connectUrl = error.details.connectUrl;
  // A user who has not connected their account at the server's authorization server: clients that
  // take URL-mode elicitation (2025-11-25+) open the link; the others get it in the tool error text.
  if (error.code === 'reauth_required' && typeof connectUrl === 'string' && capabilities?.elicitation?.url) {
    const serverName = String(error.details.serverName ?? '');
    const message = `Connect your account for ${serverName}, then retry the call.`;
    // 2026-07-28: URL elicitation rides the multi-round-trip flow; the client retries once it is done.
    if (ctx.mcpReq.envelope !== undefined)
      return inputRequired({
        inputRequests: { connect: inputRequired.elicitUrl({ url: connectUrl, message }) },
      }) as unknown as CallToolResult;
    throw new UrlElicitationRequiredError(
      [{ mode: 'url', elicitationId: randomUUID(), url: connectUrl, message }],
      `Connect your account for ${serverName} first`,
    );
  }
  return toolError(`${error.message} [${error.code}]`);
}
