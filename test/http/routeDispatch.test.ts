import Router, { type Layer } from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { routeDispatch, routeTable, type RouteTable } from '../../src/http/routeDispatch.js';
import { startTestGateway, type TestGateway } from '../support/testGateway.js';

/**
 * Small routers using what @koa/router offers the app's routers: params, a prefix with router-level middleware
 * and a param handler, one path served by two routers with different methods, and a route that hands on to the
 * next router's route for the same path. The first router matches none of the others' paths, so a path no router
 * has reaches the dispatcher's fallback.
 */
function routers(): Router[] {
  const other = new Router();
  other.get('/other', (ctx) => {
    ctx.body = 'other';
  });
  const items = new Router();
  items.get('/items', (ctx) => {
    ctx.body = 'items';
  });
  items.post('/items', (ctx) => {
    ctx.status = 201;
    ctx.body = 'created';
  });
  items.get('/items/:id', (ctx) => {
    ctx.body = `item ${ctx.params.id}`;
  });
  const editing = new Router();
  editing.put('/items/:id', (ctx) => {
    ctx.body = `put ${ctx.params.id}`;
  });
  const api = new Router({ prefix: '/api' });
  api.use(async (ctx, next) => {
    ctx.set('X-Api', 'seen');
    await next();
  });
  api.param('id', (id, ctx, next) => {
    ctx.set('X-Param', id);
    return next();
  });
  api.get('/things/:id', (ctx) => {
    ctx.body = `thing ${ctx.params.id}`;
  });
  const tagging = new Router();
  tagging.get('/shared', async (ctx, next) => {
    ctx.set('X-Tagged', 'yes');
    await next();
  });
  const serving = new Router();
  serving.get('/shared', (ctx) => {
    ctx.body = 'shared';
  });
  return [other, items, editing, api, tagging, serving];
}

interface Answer {
  status: number;
  allow: string | undefined;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** node:http, not fetch: fetch refuses some of the methods under test. */
function send(server: Server, method: string, path: string): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body, headers: res.headers }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function listen(app: Koa): Promise<Server> {
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** The app as it was: every router's routes() and allowedMethods() in turn. */
function mountingEvery(list: readonly Router[]): Koa {
  const app = new Koa();
  for (const router of list) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: false }));
  }
  return app;
}

function dispatching(table: RouteTable<unknown>): Koa {
  const app = new Koa();
  app.use(routeDispatch(table));
  return app;
}

const close = (server: Server | undefined): Promise<void> =>
  new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));

/** What a request gets: status, and where given, its Allow header, its body, one more header. */
type Case = [
  what: string,
  request: string,
  status: number,
  more?: { allow?: string; body?: string; header?: string[] },
];

const CASES: Case[] = [
  ['a route', 'GET /items', 200, { body: 'items' }],
  ['HEAD on a GET route', 'HEAD /items', 200, { body: '' }],
  ['a route with a param', 'GET /items/7', 200, { body: 'item 7' }],
  ["a second router's method on the same path", 'PUT /items/7', 200, { body: 'put 7' }],
  ['the wrong method', 'DELETE /items', 405, { allow: 'HEAD, GET, POST' }],
  [
    "a method neither of the path's two routers has (Allow lists both)",
    'DELETE /items/7',
    405,
    { allow: 'HEAD, GET, PUT' },
  ],
  ['OPTIONS on a path two routers serve', 'OPTIONS /items/7', 200, { allow: 'HEAD, GET, PUT' }],
  ['a method no router implements', 'PROPFIND /items/7', 501, { allow: 'HEAD, GET, PUT' }],
  ['another method no router implements', 'LINK /other', 501, { allow: 'HEAD, GET' }],
  ['an unknown path', 'GET /nowhere', 404],
  ['OPTIONS on an unknown path', 'OPTIONS /nowhere', 404],
  ['a method no router implements on an unknown path', 'PROPFIND /nowhere', 501, { allow: '' }],
  ['a method no router implements on no path at all', 'LINK /', 501, { allow: '' }],
  [
    'a prefixed route, its router middleware and param handler',
    'GET /api/things/42',
    200,
    { body: 'thing 42', header: ['x-param', '42'] },
  ],
  ['router middleware on a prefixed path with no route', 'GET /api/none', 404],
  ['a prefixed route without its prefix', 'GET /things/42', 404],
  [
    "a route that hands on to the next router's (both run)",
    'GET /shared',
    200,
    { body: 'shared', header: ['x-tagged', 'yes'] },
  ],
];

describe('routeDispatch (src/http/routeDispatch.ts)', () => {
  let every: Server | undefined;
  let now: Server | undefined;
  before(async () => {
    every = await listen(mountingEvery(routers()));
    now = await listen(dispatching(routeTable(routers(), () => undefined)));
  });
  after(async () => {
    await close(every);
    await close(now);
  });

  for (const [what, line, status, more = {}] of CASES) {
    const [method, path] = line.split(' ') as [string, string];
    it(`answers ${line} (${what}) with ${status}, as mounting every router does`, async () => {
      const [answer, mounted] = await Promise.all([
        send(now as Server, method, path),
        send(every as Server, method, path),
      ]);
      expect(answer.status, answer.body).to.equal(status);
      expect(answer.allow).to.equal(more.allow);
      if (more.body !== undefined) expect(answer.body).to.equal(more.body);
      if (more.header) expect(answer.headers[more.header[0] as string]).to.equal(more.header[1]);
      expect({ ...answer, headers: undefined }).to.deep.equal({ ...mounted, headers: undefined });
      expect(answer.headers['x-api']).to.equal(mounted.headers['x-api']);
      expect(answer.headers['x-tagged']).to.equal(mounted.headers['x-tagged']);
    });
  }
});

describe('routeTable', () => {
  const servedPaths = (served: readonly Layer[]): string[] =>
    served.filter((layer) => layer.methods.length > 0).map((layer) => String(layer.path));

  it('hands the policy every layer serving the method and path, from every router, in mount order', () => {
    const table = routeTable(routers(), servedPaths);
    expect(table.resolve('GET', '/shared').policy).to.deep.equal(['/shared', '/shared']);
    expect(table.resolve('PUT', '/items/7').policy).to.deep.equal(['/items/:id']);
    expect(table.resolve('GET', '/api/things/1').policy).to.deep.equal(['/api/things/:id']);
    expect(table.resolve('DELETE', '/items/7').policy).to.deep.equal([]);
    expect(table.resolve('GET', '/nowhere').policy).to.deep.equal([]);
  });

  it('resolves a method and path once, then answers from its cache', () => {
    let resolutions = 0;
    const table = routeTable(routers(), () => ++resolutions);
    const first = table.resolve('GET', '/items/7');
    expect(table.resolve('GET', '/items/7')).to.equal(first);
    expect(resolutions).to.equal(1);
    table.resolve('HEAD', '/items/7');
    table.resolve('GET', '/items/8');
    expect(resolutions).to.equal(3);
  });

  it('keeps its cache bounded (1024 by default), and still resolves right once it was cleared', () => {
    const table = routeTable(routers(), servedPaths);
    for (let i = 0; i < 3000; i++) {
      table.resolve('GET', `/items/${i}`);
      expect(table.size).to.be.at.most(1024);
    }
    expect(table.resolve('GET', '/items/1').policy).to.deep.equal(['/items/:id']);
  });

  it('dispatches right across cache clears', async () => {
    const table = routeTable(routers(), () => undefined, 4);
    const server = await listen(dispatching(table));
    try {
      for (let i = 0; i < 12; i++) {
        const answer = await send(server, i % 3 === 2 ? 'PUT' : 'GET', `/items/${i}`);
        expect(answer.body).to.equal(i % 3 === 2 ? `put ${i}` : `item ${i}`);
        expect(table.size).to.be.at.most(4);
      }
    } finally {
      await close(server);
    }
  });
});

describe('the gateway behind the dispatcher', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.close();
  });

  it('asks for a token on a path no route serves, and answers 404 with one', async () => {
    expect((await gw.request('GET', '/nowhere', undefined, { token: null })).status).to.equal(401);
    const res = await gw.request('GET', '/nowhere');
    expect(res.status).to.equal(404);
    expect(res.body.code).to.equal('route_not_found');
  });

  it('answers a wrong method with 405 and Allow, and OPTIONS with Allow', async () => {
    const wrong = await gw.request('PATCH', '/mcp/servers');
    expect(wrong.status).to.equal(405);
    expect(wrong.headers.get('allow')).to.equal('HEAD, GET, POST');
    const options = await gw.request('OPTIONS', '/mcp/tool/call');
    expect(options.status).to.equal(200);
    expect(options.headers.get('allow')).to.equal('POST');
  });

  it("maps the routers' 501 for a method none implements to 405, on a route and on no route", async () => {
    const onRoute = await gw.request('PROPFIND', '/mcp/tool/call');
    expect([onRoute.status, onRoute.body.code, onRoute.headers.get('allow')]).to.deep.equal([
      405,
      'method_not_allowed',
      'POST',
    ]);
    const nowhere = await gw.request('PROPFIND', '/nowhere');
    expect([nowhere.status, nowhere.headers.get('allow')]).to.deep.equal([405, '']);
  });
});
