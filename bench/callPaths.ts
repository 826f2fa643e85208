import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttpTransport,
} from '@modelcontextprotocol/client';
import { Pool } from 'undici';
import { authHeaders, FIXTURE } from './processes.js';

/** The same tool and arguments on every path: echo_secret returns `message`; the gateway also injects a secret. */
export const ARGS = { name: 'message', message: 'hello' };
const BARE_HOP = fileURLToPath(new URL('./bareHop.js', import.meta.url));

/** One way of making the same tool call; `pid` is the process whose CPU per call is reported. */
export interface CallPath {
  readonly id: string;
  readonly label: string;
  readonly pid: number;
  once(): Promise<void>;
  close(): Promise<void>;
}

export const callTool = (client: Client, name: string) => async (): Promise<void> => {
  await client.request({ method: 'tools/call', params: { name, arguments: ARGS } }, CallToolResultSchema);
};

export async function directStdio(): Promise<CallPath> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [FIXTURE], stderr: 'ignore' }),
  );
  const once = callTool(client, 'echo_secret');
  return {
    id: 'direct',
    label: 'direct SDK client → stdio',
    pid: process.pid,
    once,
    close: () => client.close(),
  };
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function postJson(pool: Pool, path: string, headers: Record<string, string>, body: string) {
  return async (): Promise<void> => {
    const res = await pool.request({ path, method: 'POST', headers, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}: ${text}`);
  };
}

/** bench/bareHop.ts in its own process: the floor any HTTP gateway on this machine stands on. */
export async function bareHop(): Promise<CallPath> {
  const child = spawn(process.execPath, [BARE_HOP, process.execPath, FIXTURE], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (c: Buffer) => resolve((JSON.parse(c.toString()) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`bare hop exited with ${code}`)));
  });
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
  const body = JSON.stringify({ name: 'echo_secret', arguments: ARGS });
  return {
    id: 'floor',
    label: 'bare hop (node:http + SDK client, bench/bareHop.ts)',
    pid: child.pid as number,
    once: postJson(pool, '/', { 'content-type': 'application/json' }, body),
    close: async () => {
      await pool.close();
      await stopChild(child);
    },
  };
}

export function restPath(
  url: string,
  pid: number,
  id = 'rest',
  label = 'REST POST /mcp/tool/call',
): CallPath {
  const pool = new Pool(url, { connections: 64 });
  const body = JSON.stringify({
    username: 'bench',
    serverName: 'fixture',
    methodName: 'echo_secret',
    args: ARGS,
  });
  return {
    id,
    label,
    pid,
    once: postJson(pool, '/mcp/tool/call', authHeaders(), body),
    close: () => pool.close(),
  };
}

const bearer = (): Record<string, string> => ({ authorization: authHeaders().authorization as string });

/** A 2025-era SDK client on /mcp: `query` picks the mode (stateless) or nothing (sessions). */
export async function legacyMcp(
  url: string,
  pid: number,
  id: string,
  label: string,
  path: string,
): Promise<CallPath> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url + path), { requestInit: { headers: bearer() } }),
  );
  const tool = path.includes('/servers/') ? 'echo_secret' : 'fixture__echo_secret';
  return { id, label, pid, once: callTool(client, tool), close: () => client.close() };
}

/** A v2 SDK client pinned to 2026-07-28: every request carries the `_meta` envelope, no session. */
export async function modernMcp(
  url: string,
  pid: number,
  id = 'mcp-2026',
  label = '/mcp 2026-07-28 (v2 client pinned)',
  endpoint = { path: '/mcp?username=bench', tool: 'fixture__echo_secret', headers: bearer() },
): Promise<CallPath> {
  const client = new ModernClient(
    { name: 'bench', version: '1' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(
    new ModernHttpTransport(new URL(url + endpoint.path), { requestInit: { headers: endpoint.headers } }),
  );
  const once = async (): Promise<void> => {
    await client.request({ method: 'tools/call', params: { name: endpoint.tool, arguments: ARGS } });
  };
  return { id, label, pid, once, close: () => client.close() };
}
