import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createMcpHandler,
  type AuthInfo,
  type McpHttpHandler,
  type Server,
} from '@modelcontextprotocol/server';
import { requestAuthInfo, type McpAccess } from './access.js';
import { serveWeb } from './nodeAdapter.js';
import { replyError } from './replies.js';

/** One caller's subscriptions/listen streams: their own handler, so a change is published to them alone. */
export interface ListenerGroup {
  readonly access: McpAccess;
  readonly notify: McpHttpHandler['notify'];
  /** What this caller last could see of tools/list (set and read by the endpoint). */
  fingerprint: string;
  /** The endpoint's count of access changes when this caller last was told (or opened). */
  accessChanges: number;
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

/** Open subscriptions/listen streams one user may hold (over all their filters). */
const MAX_LISTEN_STREAMS_PER_USER = 32;

interface Decision {
  readonly access: McpAccess;
  /** A call's response (absent for a listen stream, whose request signal the SDK follows). */
  readonly res?: ServerResponse;
}

interface Group extends ListenerGroup {
  readonly key: string;
  readonly handler: McpHttpHandler;
  /** Listen streams of this caller open now; the group goes with its last one. */
  open: number;
}

/**
 * The 2026-07-28 side of /mcp: stateless, one server instance per request from the same builder
 * as legacy sessions. The SDK validates Mcp-Method / Mcp-Name / MCP-Protocol-Version against the
 * body (-32020), answers unknown versions with -32022 and the supported list, serves
 * server/discover and subscriptions/listen, and aborts the handler when the response closes.
 * subscriptions/listen streams are held per caller (who, and with which filter): the SDK publishes
 * a change to every stream of a handler, so each caller gets a handler of their own, for as long
 * as they hold a stream open (bounded per user).
 */
export class ModernLeg {
  /** The access decision (and, for a call, its response) reach the per-request factory by the AuthInfo's identity. */
  private readonly decisions = new WeakMap<AuthInfo, Decision>();
  private readonly handler: McpHttpHandler;
  private readonly groups = new Map<string, Group>();
  /** Open listen streams per user. */
  private readonly streams = new Map<string, number>();

  constructor(
    private readonly build: (access: McpAccess) => Server,
    private readonly onerror: (error: Error) => void,
    /** What a caller sees of tools/list now: a listener is told only of changes after it. */
    private readonly fingerprintOf: (access: McpAccess) => string,
    /** How many access changes the endpoint has seen (a new listener knows of them all). */
    private readonly accessChanges: () => number = () => 0,
  ) {
    this.handler = this.createHandler();
  }

  serve(req: IncomingMessage, res: ServerResponse, body: unknown, access: McpAccess): Promise<void> {
    const authInfo: AuthInfo = requestAuthInfo(access);
    if (!isListen(body)) {
      this.decisions.set(authInfo, { access, res });
      return serveWeb((request, options) => this.handler.fetch(request, options), req, res, body, authInfo);
    }
    this.decisions.set(authInfo, { access });
    const user = access.principal.username;
    const open = this.streams.get(user) ?? 0;
    if (open >= MAX_LISTEN_STREAMS_PER_USER) {
      const message = `User ${user} already has ${open} subscriptions/listen streams open; close one first`;
      replyError(res, 429, -32000, message);
      return Promise.resolve();
    }
    const group = this.group(access);
    group.open += 1;
    this.streams.set(user, open + 1);
    res.once('close', () => this.release(group, user));
    // The SDK ends a listen stream when its request's signal aborts: this request follows the response's close.
    return serveWeb(
      (request, options) => group.handler.fetch(request, options),
      req,
      res,
      body,
      authInfo,
      true,
    );
  }

  /** Every caller with a listen stream open here. */
  listeners(): IterableIterator<ListenerGroup> {
    return this.groups.values();
  }

  /** How many callers hold listen streams here (each has a handler of its own while they do). */
  get listenerCount(): number {
    return this.groups.size;
  }

  async close(): Promise<void> {
    const all = [this.handler, ...[...this.groups.values()].map((g) => g.handler)];
    this.groups.clear();
    this.streams.clear();
    await Promise.all(all.map((h) => h.close()));
  }

  private group(access: McpAccess): Group {
    const key = groupKey(access);
    let group = this.groups.get(key);
    if (!group) {
      const handler = this.createHandler();
      const fingerprint = this.fingerprintOf(access);
      const accessChanges = this.accessChanges();
      group = { key, access, handler, notify: handler.notify, fingerprint, accessChanges, open: 0 };
      this.groups.set(key, group);
    }
    return group;
  }

  /** A listen stream closed: a caller with none left is forgotten, with their handler. */
  private release(group: Group, user: string): void {
    const left = (this.streams.get(user) ?? 1) - 1;
    if (left > 0) this.streams.set(user, left);
    else this.streams.delete(user);
    group.open -= 1;
    if (group.open > 0) return;
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    void group.handler.close().catch(() => undefined);
  }

  private createHandler(): McpHttpHandler {
    return createMcpHandler(
      (ctx) => {
        const decision = ctx.authInfo ? this.decisions.get(ctx.authInfo) : undefined;
        // Unreachable: serve() always passes a decision. Failing closed if it ever is not.
        if (!decision) throw new Error('mcp request without an access decision');
        const server = this.build(decision.access);
        const res = decision.res;
        // A client that hangs up before its answer cancels the call: closing the server aborts its handler
        // (and the upstream call with it), as the SDK would on the request's signal, which is not followed.
        res?.once('close', () => {
          if (!res.writableFinished) void server.close().catch(() => undefined);
        });
        return server;
      },
      { legacy: 'reject', onerror: this.onerror },
    );
  }
}
