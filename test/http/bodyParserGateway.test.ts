import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { fixtureServer, startTestGateway, type TestGateway } from '../support/testGateway.js';

const CALL = JSON.stringify({ serverName: 'fx', methodName: 'add', args: { a: 2, b: 40 } });

describe('bodyParser in the gateway: POST /mcp/tool/call bodies', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ bodyLimit: '1kb' });
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
  });
  after(async () => {
    await gw.close();
  });

  const post = async (headers: Record<string, string>, body: Uint8Array | string) => {
    const res = await fetch(`${gw.url}/mcp/tool/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.adminToken}`, ...headers },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  for (const [what, headers, body] of [
    ['plain JSON', { 'content-type': 'application/json' }, CALL],
    ['JSON with a charset and a BOM', { 'content-type': 'application/json; charset=utf-8' }, `\ufeff${CALL}`],
    ['gzip JSON', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(CALL)],
    ['application/vnd.api+json', { 'content-type': 'application/vnd.api+json' }, CALL],
  ] as const) {
    it(`calls the tool with ${what}`, async () => {
      const res = await post(headers, body);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.data).to.deep.include({ structuredContent: { sum: 42 } });
    });
  }

  it('refuses a __proto__ key with 400 invalid_json', async () => {
    const res = await post({ 'content-type': 'application/json' }, CALL.replace('"args"', '"__proto__"'));
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('invalid_json');
  });

  it('refuses a form body with 400 invalid_request (it is not read)', async () => {
    const res = await post(
      { 'content-type': 'application/x-www-form-urlencoded' },
      'serverName=fx&methodName=add',
    );
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('invalid_request');
  });

  it('refuses a body over the limit with 413, chunked or not', async () => {
    const big = JSON.stringify({
      serverName: 'fx',
      methodName: 'echo',
      args: { message: 'x'.repeat(2_000) },
    });
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    for (const body of [big, chunked]) {
      const res = await fetch(`${gw.url}/mcp/tool/call`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' },
        body,
        ...(typeof body === 'string' ? {} : { duplex: 'half' }),
      } as RequestInit);
      expect(res.status).to.equal(413);
      expect(((await res.json()) as Record<string, unknown>).code).to.equal('payload_too_large');
    }
  });
});
