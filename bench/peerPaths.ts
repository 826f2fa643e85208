import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { callTool, modernMcp, stopChild, type CallPath } from './callPaths.js';
import { FIXTURE } from './processes.js';

/** A peer gateway's CLI from node_modules (devDependencies, pinned), in front of the same stdio fixture. */
function startPeer(bin: string[], args: string[]): ChildProcess {
  return spawn(process.execPath, [join(process.cwd(), 'node_modules', ...bin), ...args], { stdio: 'ignore' });
}

/** A 2025-era SDK client with a stateful session, retried while the peer starts listening. */
async function legacyClient(url: string): Promise<Client> {
  for (let i = 0; ; i++) {
    const client = new Client({ name: 'bench', version: '1' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      return client;
    } catch (e) {
      if (i > 200) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** supergateway: stdio → Streamable HTTP, stateful (2025-era only). */
export async function supergateway(port: number): Promise<CallPath> {
  const child = startPeer(
    ['supergateway', 'dist', 'index.js'],
    ['--stdio', `${process.execPath} ${FIXTURE}`, '--outputTransport', 'streamableHttp', '--stateful'].concat(
      ['--port', String(port), '--logLevel', 'none'],
    ),
  );
  const client = await legacyClient(`http://127.0.0.1:${port}/mcp`);
  return {
    id: 'supergateway',
    label: 'supergateway 4.0.0 (stdio → Streamable HTTP, stateful)',
    pid: child.pid as number,
    once: callTool(client, 'echo_secret'),
    close: async () => {
      await client.close().catch(() => undefined);
      await stopChild(child);
    },
  };
}

/**
 * mcp-proxy (punkpeye): stdio → Streamable HTTP, serving 2025-era sessions and 2026-07-28 requests on one
 * endpoint. One process, two paths: a stateful 2025-era session and a v2 client pinned to 2026-07-28.
 */
export async function mcpProxy(port: number): Promise<CallPath[]> {
  const child = startPeer(
    ['mcp-proxy', 'dist', 'bin', 'mcp-proxy.mjs'],
    ['--port', String(port), '--host', '127.0.0.1', '--', process.execPath, FIXTURE],
  );
  const url = `http://127.0.0.1:${port}`;
  const pid = child.pid as number;
  try {
    const legacy = await legacyClient(`${url}/mcp`);
    const modern = await modernMcp(
      url,
      pid,
      'mcp-proxy-2026',
      'mcp-proxy 6.7.19, 2026-07-28 (v2 client pinned)',
      {
        path: '/mcp',
        tool: 'echo_secret',
        headers: {},
      },
    );
    let open = 2;
    const closeOne = async (close: () => Promise<void>): Promise<void> => {
      await close().catch(() => undefined);
      if (--open === 0) await stopChild(child);
    };
    return [
      {
        id: 'mcp-proxy',
        label: 'mcp-proxy 6.7.19 (stdio → Streamable HTTP, stateful)',
        pid,
        once: callTool(legacy, 'echo_secret'),
        close: () => closeOne(() => legacy.close()),
      },
      { ...modern, close: () => closeOne(() => modern.close()) },
    ];
  } catch (e) {
    await stopChild(child);
    throw e;
  }
}
