import type { ServerResponse } from 'node:http';

/** A JSON-RPC error answered before any SDK code runs (no session, wrong owner, shutting down). */
export function replyError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
