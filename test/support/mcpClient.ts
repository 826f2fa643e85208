import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
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

/** An SDK client connected to the gateway's own /mcp endpoint. */
export async function connectMcp(gw: TestGateway, options: McpClientOptions = {}): Promise<McpTestClient> {
  const url = new URL(`${gw.url}/mcp${options.query ? `?${options.query}` : ''}`);
  const token = options.token === undefined ? gw.adminToken : options.token;
  const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { ...auth, ...options.headers } },
    ...(options.sessionId ? { sessionId: options.sessionId } : {}),
  });
  const client = new Client({ name: 'mcp-api-test', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
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
  gw: TestGateway,
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
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
} as const;
