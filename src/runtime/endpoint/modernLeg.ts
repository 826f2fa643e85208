import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createMcpHandler,
  type AuthInfo,
  type McpHttpHandler,
  type Server,
} from '@modelcontextprotocol/server';
import type { McpAccess } from './access.js';
import { serveWeb } from './nodeAdapter.js';

/** One caller's subscriptions/listen streams: their own handler, so a change is published to them alone. */
export interface ListenerGroup {
  readonly access: McpAccess;
  readonly notify: McpHttpHandler['notify'];
  /** What this caller last could see of tools/list (set and read by the endpoint). */
  fingerprint: string;
}

const isListen = (body: unknown): boolean =>
  typeof body === 'object' &&
  body !== null &&
  (body as { method?: unknown }).method === 'subscriptions/listen';

const groupKey = (access: McpAccess): string =>
  JSON.stringify([
    access.principal.subject,
    access.principal.username,
    access.filter.single ?? null,
    access.filter.servers ? [...access.filter.servers].sort() : null,
    access.filter.tools ? [...access.filter.tools].sort() : null,
  ]);

/**
 * The 2026-07-28 side of /mcp: stateless, one server instance per request from the same builder
 * as legacy sessions. The SDK validates Mcp-Method / Mcp-Name / MCP-Protocol-Version against the
 * body (-32020), answers unknown versions with -32022 and the supported list, serves
 * server/discover and subscriptions/listen, and aborts the handler when the response closes.
 * subscriptions/listen streams are held per caller (who, and with which filter): the SDK publishes
 * a change to every stream of a handler, so each caller gets a handler of their own.
 */
export class ModernLeg {
  /** The access decision travels to the per-request factory by the identity of its AuthInfo. */
  private readonly decisions = new WeakMap<AuthInfo, McpAccess>();
  private readonly handler: McpHttpHandler;
  private readonly groups = new Map<string, ListenerGroup & { handler: McpHttpHandler }>();

  constructor(
    private readonly build: (access: McpAccess) => Server,
    private readonly onerror: (error: Error) => void,
    /** What a caller sees of tools/list now: a listener is told only of changes after it. */
    private readonly fingerprintOf: (access: McpAccess) => string,
  ) {
    this.handler = this.createHandler();
  }

  serve(req: IncomingMessage, res: ServerResponse, body: unknown, access: McpAccess): Promise<void> {
    const authInfo: AuthInfo = { token: '', clientId: access.principal.subject, scopes: [] };
    this.decisions.set(authInfo, access);
    const handler = isListen(body) ? this.group(access).handler : this.handler;
    return serveWeb((request, options) => handler.fetch(request, options), req, res, body, authInfo);
  }

  /** Every caller with listen streams (they may have none open any more: publishing to none is a no-op). */
  listeners(): IterableIterator<ListenerGroup> {
    return this.groups.values();
  }

  async close(): Promise<void> {
    const all = [this.handler, ...[...this.groups.values()].map((g) => g.handler)];
    this.groups.clear();
    await Promise.all(all.map((h) => h.close()));
  }

  private group(access: McpAccess): ListenerGroup & { handler: McpHttpHandler } {
    const key = groupKey(access);
    let group = this.groups.get(key);
    if (!group) {
      const handler = this.createHandler();
      group = { access, handler, notify: handler.notify, fingerprint: this.fingerprintOf(access) };
      this.groups.set(key, group);
    }
    return group;
  }

  private createHandler(): McpHttpHandler {
    return createMcpHandler(
      (ctx) => {
        const access = ctx.authInfo ? this.decisions.get(ctx.authInfo) : undefined;
        // Unreachable: serve() always passes a decision. Failing closed if it ever is not.
        if (!access) throw new Error('mcp request without an access decision');
        return this.build(access);
      },
      { legacy: 'reject', onerror: this.onerror },
    );
  }
}
