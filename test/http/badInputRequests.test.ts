import { expect } from 'chai';
import { itAnswersEach, useBadInputGateway, type Case } from './badInput.js';
import { SERVER_CASES } from './badInputServerCases.js';

/** Bodies that are not JSON objects, OAuth tokens, the /mcp mode, tool calls, secrets and routes. */
const REQUEST_CASES: Case[] = [
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
    what: 'an MCP endpoint mode that does not exist',
    method: 'POST',
    path: '/mcp?mode=sideways',
    body: {},
    status: 400,
    code: 'invalid_request',
    mentions: 'mode',
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

describe('bad input: request bodies, OAuth tokens, tool calls, secrets and routes', () => {
  const gateway = useBadInputGateway();
  itAnswersEach(gateway, REQUEST_CASES);

  it('answers 413 for an oversized body, as JSON', async () => {
    const res = await gateway.gw.request('POST', '/secrets/set', {
      serverName: 'fx',
      secretName: 'K',
      secretValue: 'x'.repeat(40_000),
    });
    expect(res.status).to.equal(413);
    expect(res.body.code).to.equal('payload_too_large');
  });

  it('never stores anything for rejected requests', async () => {
    const before = await gateway.gw.store.headPosition();
    for (const c of [...SERVER_CASES, ...REQUEST_CASES].filter((x) => x.method === 'POST'))
      await gateway.gw.request(c.method, c.path, c.body);
    expect(await gateway.gw.store.headPosition()).to.equal(before);
    const list = await gateway.gw.request('GET', '/mcp/servers');
    expect((list.body.servers as unknown[]).length).to.equal(1);
  });
});
