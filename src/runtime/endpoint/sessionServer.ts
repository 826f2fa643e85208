import { Server, type CallToolResult, type Tool } from '@modelcontextprotocol/server';
import type { Logger } from '../../logger.js';
import type { ToolCallExtras, ToolResult } from '../core/types.js';
import type { McpAccess } from './access.js';
import type { GatewayTasks } from '../relay/gatewayTasks.js';
import type { ParkedCalls } from '../relay/parkedCalls.js';
import { relayedCall } from '../relay/sessionRelay.js';
import { visibleTools, type ServerTools } from './toolCatalog.js';
import { registerCatalog } from './catalog/catalogHandlers.js';
import { SessionSubscriptions } from './catalog/sessionSubscriptions.js';
import type { CatalogSource } from './catalog/catalogSource.js';
import { gatewayNaming, renameToolUi, type Naming } from './catalog/naming.js';
import { startTaskCall } from './taskCall.js';
import { registerTaskHandlers, TASK_CAPABILITIES, taskEra } from './taskHandlers.js';
import { callToolBody, resolveTarget, toolError } from './toolCallBody.js';

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
  /** Tool calls run as tasks (both eras), keyed by user; absent: task requests run plain or are refused. */
  readonly tasks?: GatewayTasks | undefined;
}

const INSTRUCTIONS =
  'This is the mcp-api gateway. Its tools are the tools of the MCP servers behind it, named <server>__<tool>; ' +
  "calls run with the caller's own stored secrets.";

/**
 * The MCP server one legacy session, or one modern request, talks to: tools/list over every
 * enabled server's tools (sorted: the order is part of what a client caches), tools/call through
 * the gateway's call path with progress, cancellation and the client's capabilities, either plainly or
 * as a task (taskCall.ts, both eras). Who may see and call what is `access`, decided before the
 * protocol is parsed, identical in both eras.
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
        ...(options.tasks ? TASK_CAPABILITIES : {}),
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
  const logsAsked = watchSetLevel(server);
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
    const { name, arguments: args, task } = request.params;
    const target = resolveTarget(name, access, naming);
    const deps = { source: options.source, access, logger: options.logger, naming, logsAsked };
    const tasks = options.tasks;
    const era = tasks && taskEra(options.source, access.principal.username, target, task, ctx);
    if (tasks && era) return startTaskCall(era, tasks, deps, server, ctx, target, args ?? {}, task?.ttl);
    if (inFlight >= options.maxConcurrentCalls) {
      return toolError(
        `This session already has ${options.maxConcurrentCalls} tool calls running; wait for one to finish`,
      );
    }
    inFlight += 1;
    try {
      const relayed = relayedCall(server, ctx, {
        username: access.principal.username,
        tool: name,
        parked: options.parked,
      });
      return await callToolBody(deps, server, ctx, target, args ?? {}, relayed.run, relayed.progress);
    } finally {
      inFlight -= 1;
    }
  });
  if (options.tasks) registerTaskHandlers(server, options.tasks, access.principal.username);

  return server;
}

/**
 * Whether the client has sent logging/setLevel on this server's transport. The SDK keeps the level
 * itself (private), and its own handler must stay; so the connected transport's messages are watched.
 */
function watchSetLevel(server: Server): () => boolean {
  let asked = false;
  const connect = server.connect.bind(server);
  server.connect = async (transport) => {
    await connect(transport);
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if ((message as { method?: unknown }).method === 'logging/setLevel') asked = true;
      deliver?.call(transport, message, extra);
    };
  };
  return () => asked;
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
