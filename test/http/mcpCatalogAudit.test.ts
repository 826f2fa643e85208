import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { catalogServer } from '../support/catalogFixture.js';
import type { McpEra } from '../support/mcpClient.js';
import { suiteCanaries } from '../support/suiteCanaries.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

type Record_ = Record<string, unknown> & { kind: string; target: string; via: string; serverName: string };

const ENDPOINTS = { '/mcp': '/mcp', 'per-server': '/mcp/servers/cat/mcp' } as const;
/** Argument values: never in the trail, only their names and sizes. */
const VALUE = 'Audit-Canary-Value-7731';

async function connect(gw: TestGateway, path: string, era: McpEra, username: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}${path}?username=${username}`), {
    requestInit: { headers: { authorization: `Bearer ${gw.adminToken}` } },
  });
  const client = new Client(
    { name: 'catalog-audit-test', version: '1' },
    {
      capabilities: {},
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
    },
  );
  await client.connect(transport);
  return client;
}

async function catGateway(limits?: {
  toolCallsPerMinute: number;
  toolCallBurst: number;
}): Promise<TestGateway> {
  const gw = await startTestGateway(
    limits
      ? { security: { limits: { maxSecretsPerUser: 500, maxSecretValueBytes: 65_536, ...limits } } }
      : {},
  );
  await gw.request('POST', '/mcp/servers', catalogServer('cat'));
  await waitForStatus(gw, 'cat', ['connected']);
  return gw;
}

describe('resource reads, prompt gets and completions: audit trail and rate limit', function () {
  this.timeout(60_000);
  const clients: Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  });

  describe('audit', () => {
    let gw: TestGateway;
    before(async () => {
      gw = await catGateway();
      // Swept in its logs, event log and audit files when it stops, like a secret value.
      suiteCanaries.add(VALUE, gw.dataDir);
    });
    after(async () => gw?.close());

    /** A user's records, oldest first, once there are `count` (the trail is written in batches). */
    const trail = async (username: string, count: number): Promise<Record_[]> => {
      for (let i = 0; i < 500; i++) {
        const calls = (await gw.request('GET', `/audit/calls?username=${username}`)).body.calls as Record_[];
        if (calls.length >= count) return calls.reverse();
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`fewer than ${count} audit records of ${username}`);
    };

    for (const era of ['legacy', 'modern'] as const)
      for (const [name, path] of Object.entries(ENDPOINTS))
        it(`records each read, get and completion on ${name} (${era}) with its server's own names`, async () => {
          const username = `audit-${era}-${name === '/mcp' ? 'gw' : 'one'}`;
          const c = await connect(gw, path, era, username);
          clients.push(c);
          const wrap = (uri: string) => (name === '/mcp' ? `mcp-api://cat/${uri}` : uri);
          await c.readResource({ uri: wrap('mem://item/3') });
          await c.getPrompt({ name: name === '/mcp' ? 'cat__greet' : 'greet', arguments: { name: VALUE } });
          await c.complete({
            ref: { type: 'ref/resource', uri: wrap('mem://item/{id}') },
            argument: { name: 'id', value: VALUE },
          });
          await c.readResource({ uri: wrap('mem://nope') }).catch(() => undefined);
          const calls = await trail(username, 4);
          expect(calls.map((r) => [r.kind, r.serverName, r.target, r.via, r.outcome])).to.deep.equal([
            ['resource_read', 'cat', 'mem://item/3', 'mcp', 'ok'],
            ['prompt_get', 'cat', 'greet', 'mcp', 'ok'],
            ['completion', 'cat', 'mem://item/{id}', 'mcp', 'ok'],
            ['resource_read', 'cat', 'mem://nope', 'mcp', 'error'],
          ]);
          expect(calls[1]?.args).to.deep.equal([{ name: 'name', bytes: VALUE.length + 2 }]);
          expect(calls[2]?.args).to.deep.equal([{ name: 'id', bytes: VALUE.length + 2 }]);
          expect(calls[3]?.errorCode).to.equal('upstream_error');
        });

    it('records REST reads and gets (via "rest"), and never an argument value', async () => {
      const read = await gw.request('POST', '/mcp/resource/read', {
        username: 'audit-rest',
        serverName: 'cat',
        uri: 'mem://item/1',
      });
      expect(read.status).to.equal(200);
      const get = await gw.request('POST', '/mcp/prompt/get', {
        username: 'audit-rest',
        serverName: 'cat',
        name: 'greet',
        arguments: { name: VALUE },
      });
      expect(get.status).to.equal(200);
      const calls = await trail('audit-rest', 2);
      expect(calls.map((r) => [r.kind, r.target, r.via, r.username])).to.deep.equal([
        ['resource_read', 'mem://item/1', 'rest', 'audit-rest'],
        ['prompt_get', 'greet', 'rest', 'audit-rest'],
      ]);
      const reads = await gw.request('GET', '/audit/calls?kind=resource_read&username=audit-rest');
      expect((reads.body.calls as Record_[]).map((r) => r.target)).to.deep.equal(['mem://item/1']);
      expect((await gw.request('GET', '/audit/calls?kind=nope')).status).to.equal(400);
      const dir = join(gw.dataDir, 'audit');
      const files = await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), 'utf8')));
      expect(files.join('')).to.contain('"prompt_get"').and.not.contain(VALUE);
    });
  });

  describe('rate limit (the per-user call budget tool calls use)', () => {
    let gw: TestGateway;
    before(async () => {
      gw = await catGateway({ toolCallsPerMinute: 1, toolCallBurst: 2 });
    });
    after(async () => gw?.close());

    it('answers REST reads and gets beyond it with 429 rate_limited and Retry-After', async () => {
      const read = () =>
        gw.request('POST', '/mcp/resource/read', {
          username: 'rl-rest',
          serverName: 'cat',
          uri: 'mem://item/1',
        });
      expect((await read()).status).to.equal(200);
      expect((await read()).status).to.equal(200);
      const limited = await read();
      expect(limited.status).to.equal(429);
      expect(limited.body.code).to.equal('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).to.be.greaterThan(0);
      const get = await gw.request('POST', '/mcp/prompt/get', {
        username: 'rl-rest',
        serverName: 'cat',
        name: 'greet',
        arguments: { name: 'x' },
      });
      expect(get.status).to.equal(429);
      // Another user's budget is their own.
      const other = await gw.request('POST', '/mcp/resource/read', {
        username: 'rl-other',
        serverName: 'cat',
        uri: 'mem://item/1',
      });
      expect(other.status).to.equal(200);
    });

    for (const era of ['legacy', 'modern'] as const)
      for (const [name, path] of Object.entries(ENDPOINTS))
        it(
          `answers /mcp reads, gets and completions beyond it ` +
            `with JSON-RPC -32000 rate_limited on ${name} (${era})`,
          async () => {
            const c = await connect(gw, path, era, `rl-${era}-${name === '/mcp' ? 'gw' : 'one'}`);
            clients.push(c);
            const uri = name === '/mcp' ? 'mcp-api://cat/mem://item/1' : 'mem://item/1';
            await c.readResource({ uri });
            await c.readResource({ uri });
            const refusals = [
              await c.readResource({ uri }).catch((e: unknown) => e),
              await c
                .getPrompt({ name: name === '/mcp' ? 'cat__greet' : 'greet', arguments: { name: 'x' } })
                .catch((e: unknown) => e),
              await c
                .complete({
                  ref: { type: 'ref/prompt', name: name === '/mcp' ? 'cat__greet' : 'greet' },
                  argument: { name: 'name', value: 'a' },
                })
                .catch((e: unknown) => e),
            ] as Array<{
              code?: unknown;
              message?: unknown;
              data?: { code?: unknown; retryAfterSeconds?: unknown };
            }>;
            for (const refused of refusals) {
              expect(refused.code).to.equal(-32000);
              expect(refused.data?.code).to.equal('rate_limited');
              expect(refused.data?.retryAfterSeconds).to.be.a('number');
              expect(String(refused.message)).to.match(/Too many calls for this user; retry in \d+ s/);
            }
          },
        );
  });
});
