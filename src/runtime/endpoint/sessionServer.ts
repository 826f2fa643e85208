import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isAppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ToolCallExtras } from '../calls/toolCaller.js';
import type { ProgressUpdate, ToolResult } from '../core/types.js';
import { allowedByFilter, parseExposedName, visibleTools, type ServerTools, type ToolFilter } from './toolCatalog.js';

/** Who a session or stateless request acts as. `subject` is who authenticated; a session is bound to it. */
export interface McpPrincipal {
  readonly username: string;
  readonly subject: string;
}

export interface McpToolCall {
  readonly username: string;
  readonly serverName: string;
  readonly methodName: string;
  readonly args: Record<string, unknown>;
}

/** What the endpoint needs from the gateway: the visible servers' tools and the one call path. */
export interface McpToolSource {
  /** The servers' tools this user may see (the access policy applied). */
  servers(username: string): readonly ServerTools[];
  /**
   * Before listing for a user: servers whose tools are only known once that user's own process
   * runs (per-user servers that cannot start without credentials) get it started.
   */
  prepare?(username: string, signal: AbortSignal): Promise<void>;
  call(request: McpToolCall, signal: AbortSignal, extras: ToolCallExtras): Promise<ToolResult>;
}

export interface SessionServerOptions {
  readonly source: McpToolSource;
  readonly principal: McpPrincipal;
  readonly filter: ToolFilter;
  readonly maxConcurrentCalls: number;
  /** Refuses a call (rate limits) by throwing an AppError. */
  readonly admitCall?: ((username: string) => void) | undefined;
  readonly logger: Logger;
  readonly version: string;
}

const INSTRUCTIONS =
  'This is the mcp-api gateway. Its tools are the tools of the MCP servers behind it, named <server>__<tool>; ' +
  "calls run with the caller's own stored secrets.";

/** Codes that mean "no such tool (for you)": a JSON-RPC error, as for any unknown tool. */
const UNKNOWN_TOOL = new Set(['server_not_found', 'tool_not_found', 'server_disabled', 'access_denied']);

/**
 * The MCP server one session (or one stateless request) talks to: tools/list over every enabled
 * server's tools, tools/call through the gateway's call path with progress and cancellation.
 */
export function createSessionServer(options: SessionServerOptions): Server {
  const server = new Server(
    { name: 'mcp-api', title: 'mcp-api gateway', version: options.version },
    { capabilities: { tools: { listChanged: true } }, instructions: INSTRUCTIONS },
  );
  let inFlight = 0;

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    await options.source.prepare?.(options.principal.username, extra.signal);
    return { tools: visibleTools(options.source.servers(options.principal.username), options.filter).map((t) => t.tool) };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name, arguments: args, _meta } = request.params;
    if (request.params.task) throw new McpError(ErrorCode.InvalidParams, 'This gateway does not run tools as tasks');
    // Whether the tool exists is the call path's answer (it waits for a server still starting,
    // and asks a per-user server's own process); here only the session's filter is applied.
    const target = parseExposedName(name);
    if (!target || !allowedByFilter(options.filter, target.serverName, name)) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    if (inFlight >= options.maxConcurrentCalls) {
      return toolError(`This session already has ${options.maxConcurrentCalls} tool calls running; wait for one to finish`);
    }
    const token = _meta?.progressToken;
    const onProgress =
      token === undefined
        ? undefined
        : (p: ProgressUpdate): void => {
            void extra.sendNotification({ method: 'notifications/progress', params: { ...p, progressToken: token } }).catch(() => undefined);
          };
    inFlight += 1;
    try {
      options.admitCall?.(options.principal.username);
      const call = { username: options.principal.username, serverName: target.serverName, methodName: target.toolName, args: args ?? {} };
      // extra.signal aborts on notifications/cancelled and when the session closes: the upstream call is cancelled too.
      return (await options.source.call(call, extra.signal, { onProgress })) as CallToolResult;
    } catch (error) {
      return failure(error, name, options.logger);
    } finally {
      inFlight -= 1;
    }
  });

  return server;
}

const toolError = (text: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text }] });

/**
 * Gateway errors become what an MCP client expects: unknown tools and upstream JSON-RPC errors stay
 * JSON-RPC errors; everything a model could act on (bad arguments, timeouts, a crashed or busy
 * server, limits) is a tool result with isError, so the model sees the message.
 */
function failure(error: unknown, tool: string, logger: Logger): CallToolResult {
  if (!isAppError(error)) {
    logger.error('mcp endpoint tool call failed', { tool, error });
    throw new McpError(ErrorCode.InternalError, 'Internal error');
  }
  if (UNKNOWN_TOOL.has(error.code)) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${tool} (${error.message})`);
  const upstreamCode = error.details.upstreamCode;
  if (error.code === 'upstream_error' && typeof upstreamCode === 'number') throw new McpError(upstreamCode, error.message);
  if (error.code === 'internal_error') throw new McpError(ErrorCode.InternalError, error.message);
  return toolError(`${error.message} [${error.code}]`);
}
