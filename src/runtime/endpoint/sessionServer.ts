import { randomUUID } from 'node:crypto';
import {
  ProtocolError,
  ProtocolErrorCode,
  Server,
  UrlElicitationRequiredError,
  inputRequired,
  type CallToolResult,
  type ClientCapabilities,
  type ServerContext,
  type Tool,
} from '@modelcontextprotocol/server';
import { isAppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { JsonObject, ToolCallExtras } from '../core/types.js';
import type { ProgressUpdate, ToolResult } from '../core/types.js';
import type { McpAccess } from './access.js';
import type { ParkedCalls } from '../relay/parkedCalls.js';
import { relayedCall } from '../relay/sessionRelay.js';
import { allowedByFilter, visibleTools, type ServerTools } from './toolCatalog.js';
import { registerCatalog } from './catalog/catalogHandlers.js';
import { SessionSubscriptions } from './catalog/sessionSubscriptions.js';
import type { CatalogSource } from './catalog/catalogSource.js';
import { gatewayNaming, renameToolUi, renameUris, type Naming } from './catalog/naming.js';

export interface McpToolCall {
  readonly username: string;
  readonly serverName: string;
  readonly methodName: string;
  readonly args: Record<string, unknown>;
}

/** What the endpoint needs from the gateway: the visible servers' tools and the one call path. */
export interface McpToolSource {
  /** The servers' tools this user may see (the access policy applied). */
  /** Without a username: the whole catalogue (change detection for the modern era's listeners). */
  servers(username?: string): readonly ServerTools[];
  /**
   * Before listing for a user: servers whose tools are only known once that user's own process
   * runs (per-user servers that cannot start without credentials) get it started.
   */
  prepare?(username: string, signal: AbortSignal): Promise<void>;
  call(request: McpToolCall, signal: AbortSignal, extras: ToolCallExtras): Promise<ToolResult>;
}

export interface SessionServerOptions {
  readonly source: McpToolSource;
  readonly access: McpAccess;
  readonly maxConcurrentCalls: number;
  readonly logger: Logger;
  readonly version: string;
  /** How long a client may cache tools/list (2026-07-28 `ttlMs`; always `cacheScope: "private"`). */
  readonly listTtlMs: number;
  /** 2026-07-28 calls waiting for the client's answer to an upstream's question (see relay/). */
  readonly parked?: ParkedCalls | undefined;
  /** Resources, prompts and completions; absent: tools only. */
  readonly catalog?: CatalogSource | undefined;
  /** /mcp (default: `<server>__<name>`, wrapped URIs) or the per-server endpoint (original names). */
  readonly naming?: Naming | undefined;
  /** Legacy sessions: where resources/subscribe is remembered for routing updates. */
  readonly subscriptions?: SessionSubscriptions | undefined;
}

const INSTRUCTIONS =
  'This is the mcp-api gateway. Its tools are the tools of the MCP servers behind it, named <server>__<tool>; ' +
  "calls run with the caller's own stored secrets.";

/** Codes that mean "no such tool (for you)": a JSON-RPC error, as for any unknown tool. */
const UNKNOWN_TOOL = new Set([
  'server_not_found',
  'tool_not_found',
  'server_disabled',
  'access_denied',
  'tool_pending_approval',
]);

/**
 * The MCP server one legacy session, or one modern request, talks to: tools/list over every
 * enabled server's tools (sorted: the order is part of what a client caches), tools/call through
 * the gateway's call path with progress, cancellation and the client's capabilities. Who may see
 * and call what is `access`, decided before the protocol is parsed, identical in both eras.
 */
export function createSessionServer(options: SessionServerOptions): Server {
  const { access, catalog } = options;
  const naming = options.naming ?? gatewayNaming;
  const privately = { ttlMs: options.listTtlMs, cacheScope: 'private' } as const;
  const server = new Server(
    { name: 'mcp-api', title: 'mcp-api gateway', version: options.version },
    {
      capabilities: {
        tools: { listChanged: true },
        logging: {},
        ...(catalog
          ? {
              resources: { subscribe: true, listChanged: true },
              prompts: { listChanged: true },
              completions: {},
            }
          : {}),
      },
      instructions: INSTRUCTIONS,
      // The list depends on who asks (filters, per-user servers): never for shared caches.
      cacheHints: {
        'tools/list': privately,
        'resources/list': privately,
        'resources/templates/list': privately,
        'prompts/list': privately,
        'server/discover': { cacheScope: 'private' },
      },
    },
  );
  if (catalog) {
    const subscriptions = options.subscriptions ?? new SessionSubscriptions();
    registerCatalog(server, { catalog, access, naming, logger: options.logger, subscriptions });
  }
  let inFlight = 0;

  server.setRequestHandler('tools/list', async (_request, ctx) => {
    await options.source.prepare?.(access.principal.username, ctx.mcpReq.signal);
    // Upstream tools were validated by the client that listed them; they pass through as declared.
    return { tools: namedTools(options.source.servers(access.principal.username), access, naming) };
  });

  server.setRequestHandler('tools/call', async (request, ctx): Promise<CallToolResult> => {
    const { name, arguments: args, _meta } = request.params;
    if (request.params.task)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'This gateway does not run tools as tasks');
    // Whether the tool exists is the call path's answer (it waits for a server still starting,
    // and asks a per-user server's own process); here only the access filter is applied.
    const parsed = naming.parseName(name);
    const target = parsed && { serverName: parsed.server, toolName: parsed.name };
    if (!target || !allowedByFilter(access.filter, target.serverName, name)) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
    }
    if (inFlight >= options.maxConcurrentCalls) {
      return toolError(
        `This session already has ${options.maxConcurrentCalls} tool calls running; wait for one to finish`,
      );
    }
    inFlight += 1;
    try {
      access.admitCall?.(access.principal.username);
      const call = {
        username: access.principal.username,
        serverName: target.serverName,
        methodName: target.toolName,
        args: args ?? {},
      };
      await ctx.mcpReq.log(
        'debug',
        { message: `calling ${target.toolName} on ${target.serverName}` },
        'mcp-api',
      );
      const relayed = relayedCall(server, ctx, {
        username: call.username,
        tool: name,
        parked: options.parked,
      });
      const extras = { ...callExtras(server, ctx, _meta?.progressToken), onProgress: relayed.progress };
      // The signal aborts on notifications/cancelled, when a legacy session closes, and when a
      // modern request's response stream closes: the upstream call is cancelled too.
      const result = await relayed.run((signal, relay) =>
        options.source.call(call, signal, { ...extras, relay }),
      );
      // Resource links and embedded resources point where the client can read them: through here.
      return renameUris(result as JsonObject, target.serverName, naming) as CallToolResult;
    } catch (error) {
      return await failure(error, name, options.logger, ctx, server.getClientCapabilities());
    } finally {
      inFlight -= 1;
    }
  });

  return server;
}

/** tools/list as this endpoint names it: `<server>__<tool>` on /mcp, the one server's own names per server. */
function namedTools(servers: readonly ServerTools[], access: McpAccess, naming: Naming): Tool[] {
  if (naming.single === undefined)
    return visibleTools(servers, access.filter).map(
      (t) => renameToolUi(t.tool, t.serverName, naming) as Tool,
    );
  const only = servers.find((s) => s.name === naming.single);
  const names = access.filter.tools;
  return (only?.tools ?? []).filter((t) => !names || names.has(t.name)).map((t) => ({ ...t }) as Tool);
}

function callExtras(server: Server, ctx: ServerContext, token: string | number | undefined): ToolCallExtras {
  const clientCapabilities = server.getClientCapabilities();
  const onProgress =
    token === undefined
      ? undefined
      : (p: ProgressUpdate): void => {
          void ctx.mcpReq
            .notify({ method: 'notifications/progress', params: { ...p, progressToken: token } })
            .catch(() => undefined);
        };
  return { onProgress, ...(clientCapabilities ? { clientCapabilities } : {}) };
}

const toolError = (text: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text }] });

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
      [
        {
          mode: 'url',
          elicitationId: randomUUID(),
          url: connectUrl,
          message,
        },
      ],
      `Connect your account for ${serverName} first`,
    );
  }
  return toolError(`${error.message} [${error.code}]`);
}
