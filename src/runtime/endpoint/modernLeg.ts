import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createMcpHandler,
  type AuthInfo,
  type McpHttpHandler,
  type Server,
} from '@modelcontextprotocol/server';
import type { McpAccess } from './access.js';
import { serveWeb } from './nodeAdapter.js';

/**
 * The 2026-07-28 side of /mcp: stateless, one server instance per request from the same builder
 * as legacy sessions. The SDK validates Mcp-Method / Mcp-Name / MCP-Protocol-Version against the
 * body (-32020), answers unknown versions with -32022 and the supported list, serves
 * server/discover and subscriptions/listen, and aborts the handler when the response closes.
 */
export class ModernLeg {
  /** The access decision travels to the per-request factory by the identity of its AuthInfo. */
  private readonly decisions = new WeakMap<AuthInfo, McpAccess>();
  private readonly handler: McpHttpHandler;

  constructor(build: (access: McpAccess) => Server, onerror: (error: Error) => void) {
    this.handler = createMcpHandler(
      (ctx) => {
        const access = ctx.authInfo ? this.decisions.get(ctx.authInfo) : undefined;
        // Unreachable: serve() always passes a decision. Failing closed if it ever is not.
        if (!access) throw new Error('mcp request without an access decision');
        return build(access);
      },
      { legacy: 'reject', onerror },
    );
  }

  serve(req: IncomingMessage, res: ServerResponse, body: unknown, access: McpAccess): Promise<void> {
    const authInfo: AuthInfo = { token: '', clientId: access.principal.subject, scopes: [] };
    this.decisions.set(authInfo, access);
    return serveWeb((request, options) => this.handler.fetch(request, options), req, res, body, authInfo);
  }

  /** Every open subscriptions/listen stream that asked for tool changes is told. */
  toolsChanged(): void {
    this.handler.notify.toolsChanged();
  }

  close(): Promise<void> {
    return this.handler.close();
  }
}
