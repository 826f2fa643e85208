import type { TestGateway } from './testGateway.js';

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
