import { expect } from 'chai';
import { fixtureServer, startTestGateway, type TestGateway } from '../support/testGateway.js';

interface Case {
  readonly what: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly status: number;
  readonly code: string;
  readonly mentions?: string;
}

const CASES: Case[] = [
  {
    what: 'invalid JSON',
    method: 'POST',
    path: '/mcp/servers',
    body: '{"name": "x",',
    status: 400,
    code: 'invalid_json',
  },
  {
    what: 'a JSON array body',
    method: 'POST',
    path: '/mcp/tool/call',
    body: '[1,2]',
    status: 400,
    code: 'invalid_request',
  },
  {
    what: 'a JSON string body',
    method: 'POST',
    path: '/secrets/set',
    body: '"text"',
    status: 400,
    code: 'invalid_json',
  },
  {
    what: 'a missing command',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x' },
    status: 400,
    code: 'invalid_request',
    mentions: 'command',
  },
  {
    what: 'a bad server name',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: '../etc', command: 'node' },
    status: 400,
    code: 'invalid_request',
    mentions: 'name',
  },
  {
    what: 'args of the wrong type',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', command: 'node', args: 'a b' },
    status: 400,
    code: 'invalid_request',
    mentions: 'args',
  },
  {
    what: 'env with a non-string value',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', command: 'node', env: { A: 1 } },
    status: 400,
    code: 'invalid_request',
    mentions: 'env',
  },
  {
    what: 'a negative timeout',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', command: 'node', timeout: -1 },
    status: 400,
    code: 'invalid_request',
    mentions: 'timeout',
  },
  {
    what: 'an unknown transport',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', command: 'node', transportType: 'carrier-pigeon' },
    status: 400,
    code: 'invalid_request',
    mentions: 'transportType',
  },
  {
    what: 'a streamable_http server without url',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', command: 'node', transportType: 'streamable_http' },
    status: 400,
    code: 'invalid_request',
    mentions: 'url',
  },
  {
    what: 'a server url that is not http(s)',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', transportType: 'streamable_http', url: 'file:///etc/passwd' },
    status: 400,
    code: 'invalid_request',
    mentions: 'http or https',
  },
  {
    what: 'a server url at the cloud metadata address',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', transportType: 'streamable_http', url: 'http://169.254.169.254/latest' },
    status: 400,
    code: 'invalid_request',
    mentions: 'always refused',
  },
  {
    what: 'a server url in IPv4-mapped IPv6 link-local form',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', transportType: 'streamable_http', url: 'http://[::ffff:169.254.169.254]/' },
    status: 400,
    code: 'invalid_request',
    mentions: 'always refused',
  },
  {
    what: 'a server url on a metadata host name',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', transportType: 'streamable_http', url: 'http://metadata.google.internal/' },
    status: 400,
    code: 'invalid_request',
    mentions: 'metadata',
  },
  {
    what: 'a private server url when private networks are not allowed',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', transportType: 'streamable_http', url: 'http://10.1.2.3/mcp' },
    status: 400,
    code: 'invalid_request',
    mentions: 'OUTBOUND_ALLOW_NETWORKS',
  },
  {
    what: 'credentials in the server url',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', transportType: 'streamable_http', url: 'https://u:p@example.com/mcp' },
    status: 400,
    code: 'invalid_request',
    mentions: 'credentials',
  },
  {
    what: 'a sessionId in the body',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', transportType: 'streamable_http', url: 'https://example.com/mcp', sessionId: 'abc' },
    status: 400,
    code: 'invalid_request',
    mentions: 'sessionId',
  },
  {
    what: 'a header the gateway sets itself',
    method: 'POST',
    path: '/mcp/servers',
    body: {
      name: 'x',
      transportType: 'streamable_http',
      url: 'https://example.com/mcp',
      headers: { 'Mcp-Session-Id': 'x' },
    },
    status: 400,
    code: 'invalid_request',
    mentions: 'Mcp-Session-Id',
  },
  {
    what: 'a header value with a line break',
    method: 'POST',
    path: '/mcp/servers',
    body: {
      name: 'x',
      transportType: 'streamable_http',
      url: 'https://example.com/mcp',
      headers: { 'X-A': 'a\r\nX-B: b' },
    },
    status: 400,
    code: 'invalid_request',
    mentions: 'line breaks',
  },
  {
    what: 'reconnectionOptions of the wrong type',
    method: 'POST',
    path: '/mcp/servers',
    body: {
      name: 'x',
      transportType: 'streamable_http',
      url: 'https://example.com/mcp',
      reconnectionOptions: { maxRetries: 'many' },
    },
    status: 400,
    code: 'invalid_request',
    mentions: 'maxRetries',
  },
  {
    what: 'OAuth tokens for a stdio server',
    method: 'POST',
    path: '/mcp/servers/fx/oauth',
    body: { accessToken: 'a' },
    status: 400,
    code: 'invalid_request',
    mentions: 'streamable_http',
  },
  {
    what: 'OAuth tokens without accessToken',
    method: 'POST',
    path: '/mcp/servers/fx/oauth',
    body: { refreshToken: 'r', clientId: 'c' },
    status: 400,
    code: 'invalid_request',
    mentions: 'accessToken',
  },
  {
    what: 'a refresh token without clientId',
    method: 'POST',
    path: '/mcp/servers/fx/oauth',
    body: { accessToken: 'a', refreshToken: 'r' },
    status: 400,
    code: 'invalid_request',
    mentions: 'clientId',
  },
  {
    what: 'a non-Bearer token type',
    method: 'POST',
    path: '/mcp/servers/fx/oauth',
    body: { accessToken: 'a', tokenType: 'MAC' },
    status: 400,
    code: 'invalid_request',
    mentions: 'Bearer',
  },
  {
    what: 'OAuth tokens for an unknown server',
    method: 'POST',
    path: '/mcp/servers/ghost/oauth',
    body: { accessToken: 'a' },
    status: 404,
    code: 'server_not_found',
  },
  {
    what: 'an unknown secretDelivery',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', command: 'node', secretDelivery: 'carrier-pigeon' },
    status: 400,
    code: 'invalid_request',
    mentions: 'secretDelivery',
  },
  {
    what: 'an unknown toolApproval',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', command: 'node', toolApproval: 'sometimes' },
    status: 400,
    code: 'invalid_request',
    mentions: 'toolApproval',
  },
  {
    what: 'an MCP endpoint mode that does not exist',
    method: 'POST',
    path: '/mcp?mode=sideways',
    body: {},
    status: 400,
    code: 'invalid_request',
    mentions: 'mode',
  },
  {
    what: 'enabled as a string',
    method: 'POST',
    path: '/mcp/servers',
    body: { name: 'x', command: 'node', enabled: 'yes' },
    status: 400,
    code: 'invalid_request',
    mentions: 'enabled',
  },
  {
    what: 'a tool call without serverName',
    method: 'POST',
    path: '/mcp/tool/call',
    body: { methodName: 'echo' },
    status: 400,
    code: 'invalid_request',
    mentions: 'serverName',
  },
  {
    what: 'a bad username',
    method: 'POST',
    path: '/mcp/tool/call',
    body: { username: 'a b', serverName: 'fx', methodName: 'echo' },
    status: 400,
    code: 'invalid_request',
    mentions: 'username',
  },
  {
    what: 'args as an array',
    method: 'POST',
    path: '/mcp/tool/call',
    body: { serverName: 'fx', methodName: 'echo', args: [1] },
    status: 400,
    code: 'invalid_request',
    mentions: 'args',
  },
  {
    what: 'arguments violating the inputSchema',
    method: 'POST',
    path: '/mcp/tool/call',
    body: { serverName: 'fx', methodName: 'echo', args: {} },
    status: 400,
    code: 'invalid_arguments',
    mentions: 'message',
  },
  {
    what: 'an unknown server',
    method: 'POST',
    path: '/mcp/tool/call',
    body: { serverName: 'ghost', methodName: 'echo', args: {} },
    status: 404,
    code: 'server_not_found',
  },
  {
    what: 'a secret value that is not a string',
    method: 'POST',
    path: '/secrets/set',
    body: { serverName: 'fx', secretName: 'K', secretValue: 42 },
    status: 400,
    code: 'invalid_request',
    mentions: 'secretValue',
  },
  { what: 'an unknown route', method: 'GET', path: '/nope', status: 404, code: 'route_not_found' },
  { what: 'a wrong method', method: 'PATCH', path: '/mcp/servers', status: 405, code: 'method_not_allowed' },
  {
    what: 'a server name in the path that cannot exist',
    method: 'GET',
    path: '/mcp/servers/bad%20name',
    status: 400,
    code: 'invalid_request',
  },
];

describe('bad input', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ bodyLimit: '16kb' });
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
  });
  after(async () => {
    await gw.close();
  });

  for (const c of CASES) {
    it(`answers ${c.status} ${c.code} for ${c.what}`, async () => {
      const res = await gw.request(c.method, c.path, c.body);
      expect(res.status, res.text).to.equal(c.status);
      expect(res.body.success).to.equal(false);
      expect(res.body.code).to.equal(c.code);
      expect(res.body.error).to.be.a('string').that.is.not.empty;
      if (c.mentions) expect(String(res.body.error)).to.contain(c.mentions);
    });
  }

  it('answers 413 for an oversized body, as JSON', async () => {
    const res = await gw.request('POST', '/secrets/set', {
      serverName: 'fx',
      secretName: 'K',
      secretValue: 'x'.repeat(40_000),
    });
    expect(res.status).to.equal(413);
    expect(res.body.code).to.equal('payload_too_large');
  });

  it('never stores anything for rejected requests', async () => {
    const before = await gw.store.headPosition();
    for (const c of CASES.filter((x) => x.method === 'POST')) await gw.request(c.method, c.path, c.body);
    expect(await gw.store.headPosition()).to.equal(before);
    const list = await gw.request('GET', '/mcp/servers');
    expect((list.body.servers as unknown[]).length).to.equal(1);
  });
});
