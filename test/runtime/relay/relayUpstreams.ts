import { fileURLToPath } from 'node:url';
import { buildModernRelayServer } from '../../fixtures/modernRelayFixture.js';
import { buildRelayServer } from '../../fixtures/relayFixture.js';
import { startRemoteMcpServer, type RemoteMcpServer } from '../../fixtures/remoteMcpServer.js';
import { remoteServer } from '../../support/remote.js';
import { waitForStatus, type TestGateway } from '../../support/testGateway.js';

export const RELAY_STDIO_SERVER = fileURLToPath(
  new URL('../../fixtures/relayStdioServer.js', import.meta.url),
);

/** What the gateway tells upstreams it can relay (the default wiring advertises the same). */
export { RELAYED_CAPABILITIES } from '../../../src/runtime/relay/clientRelay.js';

export type UpstreamKind = 'stdio' | 'streamable' | 'sse';

export interface RelayUpstreams {
  /** Server names registered on the gateway, by transport. */
  readonly names: Readonly<Record<UpstreamKind, string>>;
  /** Tags of `wait` calls the HTTP upstreams saw cancelled (stdio ones are in the server's logs). */
  readonly cancelled: string[];
  close(): Promise<void>;
}

/** The relay fixture behind the gateway three times: stdio, Streamable HTTP, SSE-only. */
export async function registerRelayUpstreams(gw: TestGateway, prefix = 'relay'): Promise<RelayUpstreams> {
  const cancelled: string[] = [];
  const build = () => buildRelayServer({ onCancel: (tag) => cancelled.push(tag) });
  const remotes: RemoteMcpServer[] = [
    await startRemoteMcpServer({ mode: 'streamable', build }),
    await startRemoteMcpServer({ mode: 'sse', build }),
  ];
  const names = { stdio: `${prefix}_stdio`, streamable: `${prefix}_http`, sse: `${prefix}_sse` };
  await gw.request('POST', '/mcp/servers', {
    name: names.stdio,
    transportType: 'stdio',
    command: process.execPath,
    args: [RELAY_STDIO_SERVER],
    env: {},
  });
  await gw.request('POST', '/mcp/servers', remoteServer(names.streamable, remotes[0]!.url));
  await gw.request('POST', '/mcp/servers', remoteServer(names.sse, remotes[1]!.url));
  for (const name of Object.values(names)) await waitForStatus(gw, name, ['connected']);
  return {
    names,
    cancelled,
    close: async () => void (await Promise.all(remotes.map((r) => r.close()))),
  };
}

export const MODERN_RELAY_STDIO_SERVER = fileURLToPath(
  new URL('../../fixtures/modernRelayStdioServer.js', import.meta.url),
);

/** The 2026-07-28 relay fixture behind the gateway over stdio and Streamable HTTP; `record` sees its states. */
export async function registerModernUpstreams(
  gw: TestGateway,
  record: { minted: string[]; received: string[] },
  prefix = 'modern',
): Promise<{ names: { stdio: string; http: string }; close(): Promise<void> }> {
  const remote = await startRemoteMcpServer({
    mode: 'modern',
    buildModern: () => buildModernRelayServer(record),
  });
  const names = { stdio: `${prefix}_stdio`, http: `${prefix}_http` };
  await gw.request('POST', '/mcp/servers', {
    name: names.stdio,
    transportType: 'stdio',
    command: process.execPath,
    args: [MODERN_RELAY_STDIO_SERVER],
    env: {},
  });
  await gw.request('POST', '/mcp/servers', remoteServer(names.http, remote.url));
  for (const name of Object.values(names)) await waitForStatus(gw, name, ['connected']);
  return { names, close: () => remote.close() };
}
