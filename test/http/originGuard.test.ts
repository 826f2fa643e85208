import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { hostName, originPolicy } from '../../src/http/originGuard.js';
import { startTestGateway, type TestGateway } from '../support/testGateway.js';

/** fetch cannot set Host, so this speaks HTTP/1.1 directly. */
function raw(
  gw: TestGateway,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Host and Origin checks', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      security: {
        origins: { allowedHosts: ['localhost', '127.0.0.1'], allowedOrigins: ['https://app.example.com'] },
      },
    });
  });
  after(async () => {
    await gw.close();
  });
  const auth = () => ({ authorization: `Bearer ${gw.adminToken}` });

  it('refuses a Host that is not allowed (DNS rebinding) even with a valid token, but not for /healthz', async () => {
    const port = new URL(gw.url).port;
    expect((await raw(gw, 'GET', '/mcp/tools', { ...auth(), host: `localhost:${port}` })).status).to.equal(
      200,
    );
    const rebound = await raw(gw, 'GET', '/mcp/tools', { ...auth(), host: `evil.example:${port}` });
    expect(rebound.status).to.equal(403);
    expect(JSON.parse(rebound.body)).to.deep.equal({
      success: false,
      error: 'Host not allowed',
      code: 'forbidden',
    });
    expect((await raw(gw, 'GET', '/healthz', { host: 'pod-10-0-0-7' })).status).to.equal(200);
  });

  it('refuses a browser Origin that is not listed, and allows a listed one with CORS headers', async () => {
    const bad = await gw.request('GET', '/mcp/tools', undefined, {
      headers: { origin: 'https://evil.example' },
    });
    expect(bad.status).to.equal(403);
    expect(bad.body.error).to.equal('Origin not allowed');
    const good = await gw.request('GET', '/mcp/tools', undefined, {
      headers: { origin: 'https://app.example.com' },
    });
    expect(good.status).to.equal(200);
    expect(good.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
    expect(good.headers.get('vary')).to.contain('Origin');
  });

  it('answers a CORS preflight from a listed origin without a token', async () => {
    const res = await gw.request('OPTIONS', '/mcp/tool/call', undefined, {
      token: null,
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).to.equal(204);
    expect(res.headers.get('access-control-allow-headers')).to.contain('authorization');
    expect(res.headers.get('access-control-allow-methods')).to.contain('POST');
  });

  describe('defaults', () => {
    it('accepts only loopback names when bound to loopback, any Host otherwise, and no cross-origin browser', () => {
      expect(originPolicy('127.0.0.1', undefined, undefined)).to.deep.equal({
        allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
        allowedOrigins: [],
      });
      expect(originPolicy('0.0.0.0', undefined, undefined).allowedHosts).to.equal('*');
      expect(
        originPolicy('0.0.0.0', ['MCP.Example.com'], ['https://App.example.com/']).allowedHosts,
      ).to.deep.equal(['mcp.example.com']);
      expect(originPolicy('0.0.0.0', undefined, ['https://App.example.com/']).allowedOrigins).to.deep.equal([
        'https://app.example.com',
      ]);
      expect(originPolicy('127.0.0.1', ['*'], ['*'])).to.deep.equal({
        allowedHosts: '*',
        allowedOrigins: '*',
      });
    });

    it('reads the host name out of a Host header with or without a port', () => {
      expect(hostName('Example.com:8080')).to.equal('example.com');
      expect(hostName('[::1]:80')).to.equal('[::1]');
      expect(hostName('localhost')).to.equal('localhost');
    });
  });
});
