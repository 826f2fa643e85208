import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { suiteCanaries } from './suiteCanaries.js';
import type { TestGateway } from './testGateway.js';

export interface McpTestClient {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
  close(): Promise<void>;
}

export interface McpClientOptions {
  /** Query string for /mcp, without the `?`. */
  query?: string;
  /** Bearer token; default the gateway's admin token, `null` sends none. */
  token?: string | null;
  headers?: Record<string, string>;
  /** Resume an existing session id instead of initializing. */
  sessionId?: string;
}

/** A legacy session id is a bearer value: the suite-wide sweep checks it never reaches a log or record. */
const noteSession = (sessionId: string | undefined): void => {
  if (sessionId) suiteCanaries.add(sessionId);
};

/** An SDK client connected to the gateway's own /mcp endpoint. */
export async function connectMcp(
  gw: Pick<TestGateway, 'url' | 'adminToken'>,
  options: McpClientOptions = {},
): Promise<McpTestClient> {
  const url = new URL(`${gw.url}/mcp${options.query ? `?${options.query}` : ''}`);
  const token = options.token === undefined ? gw.adminToken : options.token;
  const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { ...auth, ...options.headers } },
    ...(options.sessionId ? { sessionId: options.sessionId } : {}),
  });
  const client = new Client({ name: 'mcp-api-test', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  noteSession(transport.sessionId);
  return {
    client,
    transport,
    async close() {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

/** A raw JSON-RPC POST to /mcp (for what the SDK client will not send). */
export async function postMcp(
  gw: Pick<TestGateway, 'url' | 'adminToken'>,
  body: unknown,
  options: { query?: string; headers?: Record<string, string>; token?: string | null } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => Record<string, unknown> }> {
  const token = options.token === undefined ? gw.adminToken : options.token;
  const res = await fetch(`${gw.url}/mcp${options.query ? `?${options.query}` : ''}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...options.headers,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  noteSession(res.headers.get('mcp-session-id') ?? undefined);
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
} as const;

export type McpEra = 'modern' | 'legacy';

export interface McpV2TestClient {
  readonly client: ClientV2;
  readonly transport: TransportV2;
  close(): Promise<void>;
}

/**
 * A v2 SDK client on /mcp: `modern` is pinned to 2026-07-28 (no initialize, no session, the
 * per-request envelope), `legacy` is the v2 client's default 2025 handshake with a session.
 */
export async function connectMcpV2(
  gw: Pick<TestGateway, 'url' | 'adminToken'>,
  era: McpEra,
  options: McpClientOptions & { capabilities?: Record<string, unknown> } = {},
): Promise<McpV2TestClient> {
  const url = new URL(`${gw.url}/mcp${options.query ? `?${options.query}` : ''}`);
  const token = options.token === undefined ? gw.adminToken : options.token;
  const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  const transport = new TransportV2(url, {
    requestInit: { headers: { ...auth, ...options.headers } },
    ...(options.sessionId ? { sessionId: options.sessionId } : {}),
  });
  const client = new ClientV2(
    { name: `mcp-api-test-v2-${era}`, version: '1.0.0' },
    {
      capabilities: options.capabilities ?? {},
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
    },
  );
  await client.connect(transport);
  noteSession(transport.sessionId);
  return {
    client,
    transport,
    async close() {
      if (era === 'legacy') await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

/** The per-request envelope a 2026-07-28 request carries (for raw requests). */
export const envelope = (
  version = '2026-07-28',
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  'io.modelcontextprotocol/protocolVersion': version,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
  ...extra,
});

/** Headers a 2026-07-28 request carries; `name` for tools/call. */
export const modernHeaders = (
  method: string,
  name?: string,
  version = '2026-07-28',
): Record<string, string> => ({
  'mcp-protocol-version': version,
  'mcp-method': method,
  ...(name === undefined ? {} : { 'mcp-name': name }),
});
