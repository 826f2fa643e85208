import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { connectMcpV2, type McpEra } from './mcpClient.js';
import type { TestGateway } from './testGateway.js';

type Json = Record<string, unknown>;

/**
 * Tool pinning: waits until `toolName` of `serverName` is held back (an upgrade added or changed it),
 * then approves it as an admin would; returns the held change as GET /mcp/tool-pins showed it.
 */
export async function approveHeldTool(
  gw: TestGateway,
  serverName: string,
  toolName: string,
  limitMs = 15_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const res = await gw.request('GET', `/mcp/tool-pins?serverName=${serverName}`);
    const server = (res.body.servers as Array<Record<string, unknown>>)[0];
    const held = (server?.pending as Array<Record<string, unknown>> | undefined)?.find(
      (p) => p.toolName === toolName,
    );
    if (held) {
      const ok = await gw.request('POST', `/mcp/servers/${serverName}/tool-pins/approve`, { toolName });
      if (ok.status !== 200) throw new Error(`approving ${toolName} failed: ${ok.status} ${ok.text}`);
      return held;
    }
    if (Date.now() > deadline) throw new Error(`${serverName}/${toolName} was never held: ${res.text}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Tool pinning: waits until `serverName` holds at least one tool back (say, a per-user server whose first
 * catalogue came from a user's process), then approves everything held, as an admin would.
 */
export async function approveAllHeld(
  gw: TestGateway,
  serverName: string,
  limitMs = 15_000,
): Promise<string[]> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const res = await gw.request('GET', `/mcp/tool-pins?serverName=${serverName}`);
    const server = (res.body.servers as Array<Record<string, unknown>>)[0];
    const held = (server?.pending as Array<Record<string, unknown>> | undefined) ?? [];
    if (held.length > 0) {
      const ok = await gw.request('POST', `/mcp/servers/${serverName}/tool-pins/approve`, {});
      if (ok.status !== 200) throw new Error(`approving failed: ${ok.status} ${ok.text}`);
      return held.map((h) => String(h.toolName));
    }
    if (Date.now() > deadline) throw new Error(`${serverName} never held a tool: ${res.text}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// What each face of the gateway shows while tools are pinned or held (MCP clients connect as user alice).

/** GET /mcp/tool-pins for one server. */
export async function pinsOf(gw: TestGateway, server: string): Promise<Json> {
  const res = await gw.request('GET', `/mcp/tool-pins?serverName=${server}`);
  expect(res.status, res.text).to.equal(200);
  return (res.body.servers as Json[])[0] as Json;
}

/** Polls until the pins of `server` satisfy `check` (recording is asynchronous to what the server sent). */
export async function waitForPins(
  gw: TestGateway,
  server: string,
  check: (p: Json) => boolean,
): Promise<Json> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const last = await pinsOf(gw, server);
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`pins of ${server} never matched: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The names in a list of tools, pins or held changes. */
export const names = (list: unknown): string[] =>
  ((list as Json[]) ?? []).map((t) => String(t.name ?? t.toolName));
export const pendingNames = (p: Json): string[] => names(p.pending);

/** The tools of one server in GET /mcp/tools. */
export async function restTools(gw: TestGateway, server: string): Promise<Json[]> {
  const res = await gw.request('GET', '/mcp/tools');
  const entry = (res.body.tools as Json[]).find((t) => server in t);
  return (entry?.[server] as Json[]) ?? [];
}

/** tools/list on /mcp (prefixed names). */
export async function mcpToolNames(gw: TestGateway, era: McpEra): Promise<string[]> {
  const mcp = await connectMcpV2(gw, era, { query: 'username=alice' });
  try {
    return (await mcp.client.listTools()).tools.map((t) => t.name);
  } finally {
    await mcp.close();
  }
}

/** tools/list on the per-server endpoint (original names). */
export async function perServerToolNames(gw: TestGateway, server: string, era: McpEra): Promise<string[]> {
  const url = new URL(`${gw.url}/mcp/servers/${server}/mcp?username=alice`);
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { authorization: `Bearer ${gw.adminToken}` } },
  });
  const pin = era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' as const } } } : {};
  const client = new Client({ name: 'pin-test', version: '1' }, { capabilities: {}, ...pin });
  await client.connect(transport);
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    if (era === 'legacy') await transport.terminateSession().catch(() => undefined);
    await client.close();
  }
}

/** tools/call on /mcp: the error message, or 'no error'. */
export async function mcpCallError(gw: TestGateway, era: McpEra, name: string): Promise<string> {
  const mcp = await connectMcpV2(gw, era, { query: 'username=alice' });
  try {
    await mcp.client.callTool({ name, arguments: { message: 'hi' } });
    return 'no error';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await mcp.close();
  }
}
