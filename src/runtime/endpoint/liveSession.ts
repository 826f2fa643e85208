import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebStandardStreamableHTTPServerTransport, type Server } from '@modelcontextprotocol/server';
import type { McpSessionRecord } from '../../projections/mcpSessionsProjection.js';
import { BoundedEventStore } from './boundedEventStore.js';
import { requestAuthInfo, type McpAccess } from './access.js';
import { serveWeb } from './nodeAdapter.js';
import type { ToolFilter } from './toolCatalog.js';

/** A legacy session held by this instance: its SDK transport and server, and how it is used here. */
export interface LiveSession {
  readonly key: string;
  readonly subject: string;
  readonly username: string;
  readonly filter: ToolFilter;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly server: Server;
  readonly openedAtMs: number;
  lastActivity: number;
  /** When this instance last recorded the session as used (or saw it recorded). */
  lastMarkedAt: number;
  /** HTTP requests or SSE streams of this session open here. */
  open: number;
  /** What this session's client last saw of tools/list (see toolCatalog.fingerprint). */
  fingerprint: string;
}

export const sessionTransport = (
  sessionId: () => string,
  hooks: {
    onsessioninitialized?: (id: string) => Promise<void>;
    onsessionclosed?: (id: string) => Promise<void>;
  } = {},
) =>
  new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: sessionId,
    eventStore: new BoundedEventStore(),
    ...hooks,
  });

/**
 * Serves one Node request with a web-standard transport; a closed response aborts the request. `access`:
 * the request's own decision, handed to its handlers as AuthInfo (who called, for the audit trail).
 */
export const serveNode = (
  transport: WebStandardStreamableHTTPServerTransport,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  access?: McpAccess,
): Promise<void> =>
  serveWeb(
    (request, options) => transport.handleRequest(request, options),
    req,
    res,
    body,
    access ? requestAuthInfo(access) : undefined,
  );

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/**
 * Brings a recorded session back into a fresh transport and server with only public SDK calls:
 * the transport is given the recorded id and replays the recorded `initialize` (the same
 * requested version, client info and capabilities, so the server negotiates what it did then).
 */
export async function replayHandshake(
  transport: WebStandardStreamableHTTPServerTransport,
  sessionId: string,
  record: McpSessionRecord,
): Promise<boolean> {
  const headers = { ...HEADERS, 'mcp-session-id': sessionId };
  const post = (body: unknown): Request =>
    new Request('http://localhost/mcp', { method: 'POST', headers, body: JSON.stringify(body) });
  const init = await transport.handleRequest(
    post({
      jsonrpc: '2.0',
      id: 'mcp-api-session-restore',
      method: 'initialize',
      params: {
        protocolVersion: record.protocolVersion,
        capabilities: record.clientCapabilities,
        clientInfo: record.clientInfo,
      },
    }),
  );
  await init.text();
  if (init.status !== 200) return false;
  const initialized = await transport.handleRequest(
    post({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  );
  await initialized.text();
  return initialized.status === 202;
}
