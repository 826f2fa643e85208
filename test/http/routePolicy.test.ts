import type Router from '@koa/router';
import { expect } from 'chai';
import { policyFor, ROUTE_POLICIES } from '../../src/http/routePolicy.js';
import { startTestGateway, type TestGateway } from '../support/testGateway.js';

/** Every route the app registers, as "METHOD /pattern" (HEAD is implied by GET). */
function registeredRoutes(gw: TestGateway): string[] {
  const routers = gw.gateway.app.context.routers as Router[];
  const out: string[] = [];
  for (const router of routers) {
    for (const layer of router.stack) {
      for (const method of layer.methods.filter((m) => m !== 'HEAD'))
        out.push(`${method} ${String(layer.path)}`);
    }
  }
  return out;
}

describe('route access policies (src/http/routePolicy.ts)', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.close();
  });

  it('has an entry for every route the routers register (a new route must be added to the table)', () => {
    const routes = registeredRoutes(gw);
    expect(routes.length).to.be.greaterThan(10);
    const missing = routes.filter((r) => {
      const [method, path] = r.split(' ') as [string, string];
      return policyFor(method, path) === undefined;
    });
    expect(missing, `routes without an access policy: ${missing.join(', ')}`).to.deep.equal([]);
  });

  it('lists no route that does not exist (stale entries would hide a renamed route)', () => {
    const routes = new Set(registeredRoutes(gw));
    const stale = ROUTE_POLICIES.map((p) => `${p.method} ${p.path}`).filter((r) => !routes.has(r));
    expect(stale).to.deep.equal([]);
  });

  it('never lets a user-scoped field sit on an admin-only or public route', () => {
    for (const p of ROUTE_POLICIES.filter((x) => x.actsFor))
      expect(['user', 'user-or-link'], `${p.method} ${p.path}`).to.include(p.access);
  });

  it(
    'keeps only health checks, OAuth callbacks, sign-in pages and methods, ' +
      'resource metadata and the console files public',
    () => {
      expect(ROUTE_POLICIES.filter((p) => p.access === 'public').map((p) => p.path)).to.deep.equal([
        '/healthz',
        '/readyz',
        // Connect your account: the browser legs check signed links, cookies and single-use state themselves.
        '/auth/upstream/connect',
        '/auth/upstream/callback',
        '/auth/upstream/client.json',
        '/auth/link/confirm',
        '/auth/google/callback',
        '/ui',
        '/ui/:file',
        '/auth/methods',
        '/oauth/interaction/:uid',
        '/oauth/interaction/:uid/login',
        '/oauth/interaction/:uid/federate',
        '/oauth/interaction/:uid/federated',
        '/oauth/interaction/:uid/confirm',
        '/auth/oidc/callback',
        '/.well-known/oauth-protected-resource',
        '/.well-known/oauth-protected-resource/{*resource}',
      ]);
    },
  );
});
