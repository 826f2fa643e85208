import { expect } from 'chai';
import type { AppDeps } from '../../src/http/appDeps.js';
import { ROUTE_DOCS } from '../../src/http/routeDocs.js';
import { buildRouters, listRoutes } from '../../src/http/routers.js';
import { startTestGateway, type TestGateway } from '../support/testGateway.js';

describe('GET /openapi.json and /docs', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.close();
  });

  it('documents every registered route, and nothing that is not a route', () => {
    // Routers read their deps only when a request arrives, so empty deps are enough to list routes.
    const registered = listRoutes(buildRouters({} as AppDeps)).map((r) => `${r.method} ${r.path}`);
    expect(registered.length).to.be.greaterThan(10);
    expect(
      registered.filter((key) => !(key in ROUTE_DOCS)),
      'routes without docs',
    ).to.deep.equal([]);
    expect(
      Object.keys(ROUTE_DOCS).filter((key) => !registered.includes(key)),
      'docs without routes',
    ).to.deep.equal([]);
  });

  it('serves an OpenAPI 3.1 document whose request schemas come from the zod schemas', async () => {
    const res = await gw.request('GET', '/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.body.openapi).to.equal('3.1.0');
    const paths = res.body.paths as Record<
      string,
      Record<
        string,
        {
          requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
          parameters: Array<{ name: string; in: string }>;
        }
      >
    >;
    const call = paths['/mcp/tool/call']!.post!.requestBody!.content['application/json']!.schema;
    expect(call.required).to.include.members(['serverName', 'methodName']);
    expect((call.properties as Record<string, { type?: unknown }>).username!.type).to.equal('string');
    expect(paths['/mcp/servers/{name}']!.put!.parameters).to.deep.include({
      name: 'name',
      in: 'path',
      required: true,
      schema: { type: 'string' },
    });
  });

  it('serves a readable HTML page listing the routes', async () => {
    const res = await fetch(`${gw.url}/docs`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
    expect(res.headers.get('content-type')).to.contain('text/html');
    const html = await res.text();
    expect(html).to.contain('/mcp/tool/call').and.contain('/secrets/set').and.contain('request body');
  });
});
