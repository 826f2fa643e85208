import { expect } from 'chai';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

/** The value of one Prometheus sample line, or undefined when the series does not exist. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf('}'));
    const got = inside.split(',');
    if (got.length === wanted.length && wanted.every((w) => got.includes(w)))
      return Number(line.slice(line.indexOf('}') + 2));
  }
  return undefined;
}

describe('RED metrics per server, tool and user (GET /metrics)', () => {
  let gw: TestGateway;
  const call = (username: string, methodName: string, args: Record<string, unknown> = { message: 'm' }) =>
    gw.request('POST', '/mcp/tool/call', { username, serverName: 'fx', methodName, args });

  before(async () => {
    gw = await startTestGateway({ metricLabels: { maxUsers: 2, maxToolsPerServer: 2 } });
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
    await waitForStatus(gw, 'fx', ['connected']);
    await call('alice', 'echo');
    await call('alice', 'echo');
    await call('bob', 'fail', {});
    await call('carol', 'add', { a: 1, b: 2 });
    await call('dave', 'made_up_tool', {});
  });
  after(async () => {
    await gw.close();
  });

  it('counts rate and errors per server and tool, with the outcome', async () => {
    const text = (await gw.request('GET', '/metrics')).text;
    expect(sample(text, 'mcp_tool_requests_total', { server: 'fx', tool: 'echo', outcome: 'ok' })).to.equal(
      2,
    );
    expect(
      sample(text, 'mcp_tool_requests_total', { server: 'fx', tool: 'fail', outcome: 'tool_error' }),
    ).to.equal(1);
    expect(sample(text, 'mcp_tool_request_duration_seconds_count', { server: 'fx', tool: 'echo' })).to.equal(
      2,
    );
  });

  it('bounds the tool label: tools past the limit are "other", names never matched are "(unknown)"', async () => {
    const text = (await gw.request('GET', '/metrics')).text;
    expect(sample(text, 'mcp_tool_requests_total', { server: 'fx', tool: 'other', outcome: 'ok' })).to.equal(
      1,
    );
    expect(
      sample(text, 'mcp_tool_requests_total', { server: 'fx', tool: '(unknown)', outcome: 'tool_not_found' }),
    ).to.equal(1);
    expect(text).to.not.contain('made_up_tool');
    expect(text).to.not.contain('tool="add"');
  });

  it('bounds the user label: users past the limit are "other"', async () => {
    const text = (await gw.request('GET', '/metrics')).text;
    expect(sample(text, 'mcp_user_tool_requests_total', { user: 'alice', outcome: 'ok' })).to.equal(2);
    expect(sample(text, 'mcp_user_tool_requests_total', { user: 'bob', outcome: 'tool_error' })).to.equal(1);
    expect(sample(text, 'mcp_user_tool_requests_total', { user: 'other', outcome: 'ok' })).to.equal(1);
    expect(
      sample(text, 'mcp_user_tool_requests_total', { user: 'other', outcome: 'tool_not_found' }),
    ).to.equal(1);
    expect(sample(text, 'mcp_user_tool_request_duration_seconds_count', { user: 'other' })).to.equal(2);
    expect(text).to.not.contain('carol');
    expect(text).to.not.contain('dave');
  });
});
