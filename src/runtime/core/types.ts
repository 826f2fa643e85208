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
  toolsList: ToolDescriptor[];
  /** Most recent stderr lines and supervisor notes, oldest first, bounded. */
  logs: string[];
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
  states: Array<{ status: ServerStatus; pid?: number; restarts: number; inFlight: number; startedAt: string; lastUsedAt: string }>;
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
}
