import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestBrowser } from '../../support/formBrowser.js';
import { authorizeInBrowser } from '../../support/oauthFlow.js';
import {
  fixtureServer,
  startTestGateway,
  waitForStatus,
  type TestGateway,
} from '../../support/testGateway.js';

const PROXY = fileURLToPath(new URL('../../../../node_modules/mcp-remote/dist/proxy.js', import.meta.url));

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * mcp-remote (the stdio bridge Claude Desktop and others use for remote servers) against the
 * gateway's own OAuth: it discovers, registers, prints the authorization URL (its browser opener is
 * `BROWSER=true`, a no-op), the test signs in and consents over HTTP, the browser lands on
 * mcp-remote's own callback server, and mcp-remote finishes with a token.
 */
describe('mcp-remote through the gateway OAuth flow', function () {
  this.timeout(120_000);
  let gw: TestGateway;
  let configDir: string;

  before(async () => {
    gw = await startTestGateway({ oauth: {} });
    await gw.request('POST', '/mcp/servers', fixtureServer('alpha'));
    await waitForStatus(gw, 'alpha', ['connected']);
    configDir = await mkdtemp(join(tmpdir(), 'mcp-remote-'));
  });
  after(async () => {
    await gw.close();
    await rm(configDir, { recursive: true, force: true });
  });

  it('signs in with login and consent, gets a token and lists the tools', async () => {
    const { token } = await gw.issueToken('erin');
    const port = await freePort();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [PROXY, `${gw.url}/mcp`, String(port), '--host', '127.0.0.1'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: configDir,
        MCP_REMOTE_CONFIG_DIR: configDir,
        BROWSER: 'true',
      },
      stderr: 'pipe',
    });
    let stderr = '';
    // The URL arrives on stderr; resolved as soon as it is there (no polling).
    const printed = new Promise<URL>((resolve) => {
      transport.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const match = /Please authorize this client by visiting:\s*(\S+)/.exec(stderr);
        if (match?.[1]) resolve(new URL(match[1]));
      });
    });
    const client = new Client({ name: 'mcp-remote-e2e', version: '1.0.0' });
    const connected = client.connect(transport);
    try {
      const url = await Promise.race([
        printed,
        connected.then(() => {
          throw new Error(`mcp-remote connected without asking to sign in:\n${stderr.slice(-2000)}`);
        }),
      ]);
      expect(url.origin).to.equal(gw.url);
      expect(url.searchParams.get('redirect_uri')).to.equal(`http://127.0.0.1:${port}/oauth/callback`);
      const { redirect } = await authorizeInBrowser(new TestBrowser(), url.href, { token });
      expect(redirect.href).to.contain(`127.0.0.1:${port}/oauth/callback`);
      await connected;
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).to.include('alpha__add');
      const sum = await client.callTool({ name: 'alpha__add', arguments: { a: 2, b: 3 } });
      expect(JSON.stringify(sum.content)).to.contain('5');
    } finally {
      await client.close().catch(() => undefined);
      await transport.close().catch(() => undefined);
    }
  });
});
