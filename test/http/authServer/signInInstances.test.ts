import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventStore } from '../../../src/events/eventStore.js';
import { createMemoryEventStore } from '../../../src/events/memoryEventStore.js';
import {
  authorizationUrl,
  authorizeInBrowser,
  clientBrowser,
  CLIENT_REDIRECT,
  registerClient,
  tokenRequest,
} from '../../support/oauthFlow.js';
import { startTestGateway, type TestGateway } from '../../support/testGateway.js';

/** A load balancer without affinity: each request goes to the next instance in turn. */
async function roundRobin(
  targets: () => readonly string[],
): Promise<{ url: string; hits: number[]; close(): Promise<void> }> {
  const hits = [0, 0];
  let next = 0;
  const server: Server = createServer((req, res) => {
    const i = next++ % 2;
    hits[i] = (hits[i] ?? 0) + 1;
    const target = new URL(req.url ?? '/', targets()[i]);
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Two gateway instances behind one PUBLIC_URL and a balancer with no sticky sessions: every step of
 * an OAuth sign-in (authorize, sign-in form, consent, code exchange) lands on the other instance
 * than the step before, and the sign-in still works.
 */
describe('OAuth sign-in across two gateway instances without sticky routing', () => {
  let store: EventStore;
  let a: TestGateway;
  let b: TestGateway;
  let lb: Awaited<ReturnType<typeof roundRobin>>;

  before(async () => {
    store = createMemoryEventStore();
    const linkKey = randomBytes(32);
    let targets: string[] = [];
    lb = await roundRobin(() => targets);
    const security = { linkKey, publicUrl: lb.url, authServer: {} };
    a = await startTestGateway({ store, security });
    b = await startTestGateway({ store, security });
    targets = [a.url, b.url];
  });
  after(async () => {
    await a.close();
    await b.close();
    await lb.close();
    await store.close();
  });

  it('signs in, consents and exchanges the code with every request on another instance', async () => {
    const { token } = await a.issueToken('ivy');
    const client = await registerClient(lb.url);
    const { redirect } = await authorizeInBrowser(clientBrowser(), authorizationUrl(lb.url, client), {
      token,
    });
    expect(redirect.href.startsWith(CLIENT_REDIRECT)).to.equal(true);
    expect(redirect.searchParams.get('iss')).to.equal(lb.url);
    const code = redirect.searchParams.get('code') as string;
    const exchanged = await tokenRequest(lb.url, {
      grant_type: 'authorization_code',
      code,
      client_id: client.clientId,
      redirect_uri: CLIENT_REDIRECT,
      code_verifier: client.verifier,
    });
    expect(exchanged.status, JSON.stringify(exchanged.body)).to.equal(200);
    const access = String(exchanged.body.access_token);
    for (const gw of [a, b]) {
      const me = await gw.request('GET', '/auth/me', undefined, { token: access });
      expect(me.body).to.include({ username: 'ivy' });
    }
    // One ID-token signing key for both: either instance's JWKS verifies the other's ID tokens.
    const [jwksA, jwksB] = await Promise.all(
      [a, b].map(async (gw) => (await (await fetch(`${gw.url}/oauth/jwks`)).json()) as { keys: object[] }),
    );
    expect(jwksA?.keys).to.have.length(1);
    expect(jwksA).to.deep.equal(jwksB);
    expect(JSON.stringify(jwksA)).to.not.contain('"d"');
    expect(lb.hits[0]).to.be.greaterThan(2);
    expect(lb.hits[1]).to.be.greaterThan(2);
  });
});
