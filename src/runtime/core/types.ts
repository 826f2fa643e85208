import type { ClientRelay } from '../relay/clientRelay.js';
import type { LogCursor } from './logBuffer.js';

/**
 * What the rest of the gateway sees of a running MCP server. Everything the SDK touches stays
 * behind these types, so the later move to SDK v2 packages stays inside src/runtime.
 */
export type ServerStatus = 'connecting' | 'connected' | 'disconnected' | 'error';

/** A tool as the upstream server declared it (MCP `Tool`), passed through as JSON. */
export interface ToolDescriptor {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  [extra: string]: unknown;
}

/** A call result as the upstream returned it (MCP `CallToolResult`), passed through as JSON. */
export type ToolResult = Record<string, unknown>;

export interface ServerSnapshot {
  status: ServerStatus;
  /** Why the server is in `error` (or the last start failure), never containing secret values. */
  statusMessage?: string;
  toolsList: readonly ToolDescriptor[];
  /**
   * Per-user servers: "user_process" when the list came from one user's process rather than from the
   * server's own discovery (tool pinning never trusts such a list on first use). Absent: the server's own.
   */
  toolsSource?: 'server' | 'user_process';
  /** Most recent stderr lines and supervisor notes, oldest first, bounded. */
  logs: readonly string[];
  /** Where `logs` ends in its buffer, for followers of the log stream; absent where logs cannot be followed. */
  logCursor?: LogCursor;
  pid?: number;
  /** Restarts since the last (re)configuration. */
  restarts: number;
  /** Servers with secretDelivery "env": their per-user processes (never usernames, never env values). */
  processes?: PerUserProcesses;
  /** Remote (Streamable HTTP / SSE) servers only. */
  remote?: RemoteSnapshot;
}

export interface RemoteSnapshot {
  /** The transport the shared connection ended up on (Streamable HTTP, or the legacy SSE fallback). */
  activeTransport?: 'streamable_http' | 'sse';
  /** The shared connection holds an MCP session id (persisted, resumed after a restart). */
  hasSession: boolean;
  /** Open per-user connections (users with their own OAuth tokens). */
  userConnections: number;
}

export interface PerUserProcesses {
  count: number;
  /** The per-server cap (the gateway-wide cap applies too). */
  limit: number;
  idleTimeoutMs: number;
  states: Array<{
    status: ServerStatus;
    pid?: number;
    restarts: number;
    inFlight: number;
    startedAt: string;
    lastUsedAt: string;
  }>;
}

/** One notifications/progress from upstream, as the SDK reports it. */
export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

export interface CallOptions {
  timeoutMs: number;
  /** Aborting cancels the call upstream (notifications/cancelled). */
  signal?: AbortSignal;
  /** Who calls: per-user processes and remote servers with per-user OAuth connections route by it. */
  username?: string;
  /** When set, the upstream call asks for progress (a progressToken) and every update lands here. */
  onProgress?: (update: ProgressUpdate) => void;
  /** [obs hook] W3C trace context for the upstream request's `_meta` (traceparent, tracestate, baggage). */
  trace?: Readonly<Record<string, string>>;
  /** The /mcp client that made the call: what the upstream asks or logs during it goes there. */
  relay?: ClientRelay | undefined;
  /** The tool runs only as a task (2025-11-25 `execution.taskSupport: "required"`). */
  asTask?: boolean | undefined;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** What the gateway tells an upstream it can do as a client; only what it relays (see issue 12). */
export interface UpstreamCapabilities {
  readonly sampling?: JsonObject;
  readonly elicitation?: JsonObject;
  readonly roots?: { listChanged?: boolean };
  readonly tasks?: JsonObject;
  readonly experimental?: { [name: string]: JsonObject };
}

/** Who the gateway is to an upstream, and what it advertises. */
export interface UpstreamIdentity {
  readonly clientInfo: ClientInfo;
  readonly capabilities: UpstreamCapabilities;
}

export interface ClientInfo {
  name: string;
  version: string;
}

export interface RequestLimits {
  signal: AbortSignal;
  timeoutMs: number;
}

export interface CallLimits extends RequestLimits {
  onProgress?: ((update: ProgressUpdate) => void) | undefined;
  /** [obs hook] W3C trace context, sent as the request's `_meta`. */
  trace?: Readonly<Record<string, string>> | undefined;
  relay?: ClientRelay | undefined;
  asTask?: boolean | undefined;
}

/** The protocol era and version an upstream connection settled on (2026-07-28 and later: modern). */
export interface Negotiation {
  readonly era: 'modern' | 'legacy';
  readonly protocolVersion: string;
  /** The server/discover result (modern only), as JSON: lets a reconnect skip the probe. */
  readonly discover?: Record<string, unknown> | undefined;
  /** Remote servers: the transport that worked (an SSE-only server is not asked over Streamable HTTP again). */
  readonly transport?: 'streamable_http' | 'sse' | undefined;
}

/** Where one upstream connection keeps its negotiation across restarts (per server, per user). */
export interface NegotiationMemory {
  /** The verdict to reuse, or undefined to probe (none yet, or a legacy verdict too old to trust). */
  load(): Negotiation | undefined;
  /** After a probe: persist what it found. */
  record(negotiation: Negotiation): void;
}

/** One tool call as the REST route and /mcp hand it to the runtime. */
export interface ToolCallRequest {
  readonly username: string;
  readonly serverName: string;
  readonly methodName: string;
  readonly args: Record<string, unknown>;
}

/** What callers beyond the REST route (the /mcp endpoint) may add to a call. */
/** Who authenticated a call. Never the token itself: its id (user tokens) or the OAuth client id. */
export type Caller =
  | { readonly type: 'admin' }
  | { readonly type: 'user'; readonly tokenId: string }
  | { readonly type: 'oauth'; readonly clientId: string }
  | { readonly type: 'anonymous' };

/** Who calls, as the HTTP layer authenticated them, and through which door (for the audit trail). */
export interface CallerInfo {
  readonly caller: Caller;
  readonly via: 'rest' | 'mcp';
}

export interface ToolCallExtras {
  readonly onProgress?: ((update: ProgressUpdate) => void) | undefined;
  /**
   * Who calls, handed down explicitly with the call. (An AsyncLocalStorage scope did this before; it turns on
   * Node 20's promise hooks for every promise in the process, 9-17% of a call's CPU: docs/performance.md.)
   */
  readonly caller?: CallerInfo | undefined;
  /**
   * What the calling MCP client declared it can do (sampling, elicitation, roots, tasks): from a
   * legacy session's initialize, or a 2026-07-28 request's envelope. Absent for REST calls.
   */
  readonly clientCapabilities?: Readonly<Record<string, unknown>> | undefined;
  /** The calling /mcp client, for server→client requests, log messages and input_required results. */
  readonly relay?: ClientRelay | undefined;
}

/** What HTTP (and metrics) need from the runtime: live state to show, and the call path. */
export interface RuntimePort {
  snapshot(serverName: string): ServerSnapshot | undefined;
  callTool(request: ToolCallRequest, signal: AbortSignal, extras?: ToolCallExtras): Promise<ToolResult>;
}
