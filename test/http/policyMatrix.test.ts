import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'chai';
import { decide, type PolicyRule } from '../../src/policy/accessPolicy.js';
import { connectMcp, type McpTestClient } from '../support/mcpClient.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

/** The cells: users (with groups) × tools of two servers, each decided through every path. */
const USERS: Record<string, string[]> = {
  alice: ['eng'],
  bob: ['ops', 'eng-leads'],
  carol: [],
  dave: ['eng'],
};
const TOOLS = [
  ['alpha', 'echo'],
  ['alpha', 'add'],
  ['alpha', 'echo_secret'],
  ['beta', 'echo'],
  ['beta', 'only_beta'],
] as const;
const RULES: PolicyRule[] = [
  { id: 'eng-alpha', effect: 'allow', subjects: ['group:eng'], server: 'alpha', kind: 'tool', name: '*' },
  { id: 'leads-everything', effect: 'allow', subjects: ['group:*-leads'], server: '*', kind: '*', name: '*' },
  {
    id: 'carol-beta-echo',
    effect: 'allow',
    subjects: ['user:carol'],
    server: 'beta',
    kind: 'tool',
    name: 'echo',
  },
  {
    id: 'no-secrets-for-dave',
    effect: 'deny',
    subjects: ['user:dave'],
    server: 'alpha',
    kind: 'tool',
    name: 'echo_*',
  },
  {
    id: 'only-beta-ops-excluded',
    effect: 'deny',
    subjects: ['group:ops'],
    server: 'beta',
    kind: 'tool',
    name: 'only_*',
  },
];
const ARGS: Record<string, Record<string, unknown>> = {
  echo: { message: 'hi' },
  add: { a: 1, b: 2 },
  echo_secret: { name: 'none' },
  only_beta: { message: 'hi' },
};

describe('access policy matrix: REST and /mcp decide every cell the same way', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  const tokens: Record<string, string> = {};
  const clients: McpTestClient[] = [];

  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', fixtureServer('alpha'));
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('beta', { env: { FIXTURE_EXTRA_TOOL: 'only_beta' } }),
    );
    await waitForStatus(gw, 'alpha', ['connected']);
    await waitForStatus(gw, 'beta', ['connected']);
    for (const [username, groups] of Object.entries(USERS)) {
      const res = await gw.request('POST', '/users', { username, groups });
      expect(res.status, res.text).to.equal(201);
      tokens[username] = (await gw.issueToken(username)).token;
    }
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw.close();
  });

  const restTools = async (username: string): Promise<Set<string>> => {
    const res = await gw.request('GET', '/mcp/tools', undefined, { token: tokens[username] as string });
    expect(res.status, res.text).to.equal(200);
    const out = new Set<string>();
    for (const entry of res.body.tools as Array<Record<string, Array<{ name: string }>>>) {
      for (const [server, list] of Object.entries(entry))
        for (const t of list) out.add(`${server}__${t.name}`);
    }
    return out;
  };
  /** GET /mcp/servers as the user: each server's toolsList is filtered too. */
  const restServers = async (username: string): Promise<Set<string>> => {
    const res = await gw.request('GET', '/mcp/servers', undefined, { token: tokens[username] as string });
    const out = new Set<string>();
    for (const s of res.body.servers as Array<{ name: string; toolsList: Array<{ name: string }> }>)
      for (const t of s.toolsList) out.add(`${s.name}__${t.name}`);
    return out;
  };
  const restCall = async (username: string, server: string, tool: string): Promise<boolean> => {
    const res = await gw.request(
      'POST',
      '/mcp/tool/call',
      { serverName: server, methodName: tool, args: ARGS[tool] },
      { token: tokens[username] as string },
    );
    if (res.status === 403) {
      expect(res.body.code).to.equal('access_denied');
      return false;
    }
    expect(res.status, res.text).to.equal(200);
    return true;
  };
  const mcpView = async (
    username: string,
  ): Promise<{
    listed: Set<string>;
    call: (name: string, args: Record<string, unknown>) => Promise<boolean>;
  }> => {
    const c = await connectMcp(gw, { token: tokens[username] as string });
    clients.push(c);
    const { tools } = await c.client.listTools();
    return {
      listed: new Set(tools.map((t) => t.name)),
      call: async (name, args) => {
        try {
          const result = (await c.client.callTool({ name, arguments: args })) as CallToolResult;
          return result.isError !== true;
        } catch (e) {
          expect(String(e)).to.match(/Unknown tool/);
          return false;
        }
      },
    };
  };

  it('with no rules, every user sees and calls every tool (the default)', async () => {
    for (const username of Object.keys(USERS)) {
      const listed = await restTools(username);
      for (const [server, tool] of TOOLS)
        expect(listed.has(`${server}__${tool}`), `${username} ${server}/${tool}`).to.equal(true);
    }
    expect(await restCall('carol', 'alpha', 'add')).to.equal(true);
  });

  it(
    'with rules, REST list, REST call, /mcp tools/list and /mcp tools/call ' +
      'agree with decide() in every cell',
    async () => {
      const set = await gw.request('PUT', '/policy', { rules: RULES });
      expect(set.status, set.text).to.equal(200);
      for (const [username, groups] of Object.entries(USERS)) {
        const rest = await restTools(username);
        const servers = await restServers(username);
        const mcp = await mcpView(username);
        for (const [server, tool] of TOOLS) {
          const cell = `${username} (${groups.join(',') || 'no groups'}) × ${server}/${tool}`;
          const expected = decide(RULES, { username, groups }, { server, kind: 'tool', name: tool }).allowed;
          const check = await gw.request('POST', '/policy/check', {
            username,
            server,
            kind: 'tool',
            name: tool,
          });
          expect(check.body.allowed, `${cell}: /policy/check`).to.equal(expected);
          expect(rest.has(`${server}__${tool}`), `${cell}: REST list`).to.equal(expected);
          expect(servers.has(`${server}__${tool}`), `${cell}: GET /mcp/servers`).to.equal(expected);
          expect(mcp.listed.has(`${server}__${tool}`), `${cell}: /mcp tools/list`).to.equal(expected);
          expect(await restCall(username, server, tool), `${cell}: REST call`).to.equal(expected);
          expect(await mcp.call(`${server}__${tool}`, ARGS[tool] ?? {}), `${cell}: /mcp tools/call`).to.equal(
            expected,
          );
        }
      }
    },
  );

  it('applies to admin tokens acting for a user too (the policy is about users, not tokens)', async () => {
    const res = await gw.request('POST', '/mcp/tool/call', {
      username: 'carol',
      serverName: 'alpha',
      methodName: 'add',
      args: { a: 1, b: 1 },
    });
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal('access_denied');
  });

  it('follows group changes at once, and an empty rule set restores the default', async () => {
    await gw.request('PUT', '/users/carol/groups', { groups: ['eng'] });
    expect(await restCall('carol', 'alpha', 'add')).to.equal(true);
    await gw.request('PUT', '/users/carol/groups', { groups: [] });
    expect(await restCall('carol', 'alpha', 'add')).to.equal(false);
    await gw.request('PUT', '/policy', { rules: [] });
    expect(await restCall('carol', 'alpha', 'add')).to.equal(true);
  });
});
