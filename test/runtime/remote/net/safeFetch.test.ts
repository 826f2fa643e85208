import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSafeFetch, type SafeFetch } from '../../../../src/runtime/remote/net/safeFetch.js';
import { createUrlPolicy, UrlRefusedError } from '../../../../src/net/urlSafety.js';

describe('createSafeFetch', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  let loopback: SafeFetch;
  let strict: SafeFetch;

  before(async () => {
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      const redirects: Record<string, string> = {
        '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
        '/to-mapped': 'http://[::ffff:169.254.169.254]/',
        '/to-ok': '/ok',
      };
      const target = redirects[req.url ?? ''];
      if (target) {
        res.writeHead(req.url === '/to-ok' ? 307 : 302, { location: target });
        return res.end();
      }
      res.end(`hello ${req.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    loopback = createSafeFetch(createUrlPolicy({ allow: ['loopback'] }));
    strict = createSafeFetch(createUrlPolicy());
  });
  after(async () => {
    await loopback.close();
    await strict.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fetches an allowed address and follows a redirect to another allowed one', async () => {
    const res = await loopback.fetch(`${base}/to-ok`);
    expect(await res.text()).to.equal('hello /ok');
  });

  it('does not follow a redirect to a metadata address, in any spelling', async () => {
    for (const path of ['/to-metadata', '/to-mapped']) {
      let error: unknown;
      await loopback.fetch(`${base}${path}`).catch((e: unknown) => (error = e));
      expect(error, path).to.be.instanceOf(UrlRefusedError);
      expect((error as Error).message).to.contain('always refused');
    }
  });

  it(
    'hands a redirect back unfollowed to a caller that asked for manual redirects ' +
      '(the SDK follows it through here again)',
    async () => {
      const res = await loopback.fetch(`${base}/to-metadata`, { redirect: 'manual' });
      expect(res.status).to.equal(302);
    },
  );

  it('does not re-send a POST body to a redirect target', async () => {
    hits.length = 0;
    const res = await loopback.fetch(`${base}/to-ok`, { method: 'POST', body: 'refresh_token=secret' });
    expect(res.status).to.equal(307);
    expect(hits).to.deep.equal(['POST /to-ok']);
  });

  it('refuses loopback when the policy does not allow it, for literals and for names resolving to it', async () => {
    for (const url of [`${base}/x`, base.replace('127.0.0.1', 'localhost') + '/x']) {
      let error: unknown;
      await strict.fetch(url).catch((e: unknown) => (error = e));
      expect(error, url).to.be.instanceOf(UrlRefusedError);
    }
  });
});
