import { createHash } from 'node:crypto';
import type { ToolDescriptor } from '../core/types.js';

/**
 * How upstream tools appear on the gateway's own MCP endpoint: `<serverName>__<toolName>`.
 * A name is split at its first `__`: the server part never contains `__`, the tool part may.
 * Servers whose own name contains `__` are therefore left out of /mcp (they stay callable through
 * POST /mcp/tool/call); every exposed name maps back to exactly one (server, tool).
 */
export const SEPARATOR = '__';

export interface ToolFilter {
  /** Only these servers' tools. */
  readonly servers?: ReadonlySet<string> | undefined;
  /** Only these exposed tool names. */
  readonly tools?: ReadonlySet<string> | undefined;
  /** The per-server endpoint's one server: its original names, nothing else. */
  readonly single?: string | undefined;
}

export interface ServerTools {
  readonly name: string;
  readonly tools: readonly ToolDescriptor[];
}

export interface ExposedTool {
  readonly serverName: string;
  readonly toolName: string;
  /** The upstream tool with only its name changed: schemas, annotations, outputSchema, _meta as declared. */
  readonly tool: ToolDescriptor;
}

export const isExposableServer = (serverName: string): boolean => !serverName.includes(SEPARATOR);

export const exposedName = (serverName: string, toolName: string): string =>
  `${serverName}${SEPARATOR}${toolName}`;

export function parseExposedName(name: string): { serverName: string; toolName: string } | undefined {
  const at = name.indexOf(SEPARATOR);
  if (at <= 0 || at + SEPARATOR.length >= name.length) return undefined;
  return { serverName: name.slice(0, at), toolName: name.slice(at + SEPARATOR.length) };
}

/** Whether a session with this filter may see (and call) this exposed tool of this server. */
export function allowedByFilter(filter: ToolFilter, serverName: string, exposed: string): boolean {
  if (!isExposableServer(serverName)) return false;
  if (filter.servers && !filter.servers.has(serverName)) return false;
  return !filter.tools || filter.tools.has(exposed);
}

export function visibleTools(servers: readonly ServerTools[], filter: ToolFilter): ExposedTool[] {
  const out: ExposedTool[] = [];
  for (const server of servers) {
    for (const tool of server.tools) {
      const name = exposedName(server.name, tool.name);
      if (!allowedByFilter(filter, server.name, name)) continue;
      out.push({ serverName: server.name, toolName: tool.name, tool: { ...tool, name } });
    }
  }
  return out;
}

/** Changes whenever anything a client sees in tools/list changes (names, schemas, descriptions). */
export function fingerprint(tools: readonly ExposedTool[]): string {
  return createHash('sha256')
    .update(JSON.stringify(tools.map((t) => t.tool)))
    .digest('base64url');
}
