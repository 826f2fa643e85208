import { expect } from 'chai';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

interface Row {
  readonly server: string;
  readonly calls: number;
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly status: string;
}

describe('GET /health/servers', function () {
  this.timeout(30_000);
  let gw: TestGateway;
  let alice: string;
  const rows = async (token?: string): Promise<Row[]> => {
    const res = await gw.request('GET', '/health/servers', undefined, token ? { token } : {});
    expect(res.status, res.text).to.equal(200);
    return res.body.servers as Row[];
  };

  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', fixtureServer('open'));
    await gw.request('POST', '/mcp/servers', fixtureServer('closed'));
    await waitForStatus(gw, 'open', ['connected']);
    await waitForStatus(gw, 'closed', ['connected']);
    alice = (await gw.issueToken('alice')).token;
  });
  after(async () => {
    await gw.close();
  });

  it('counts calls and errors with p50/p95 latency per server', async () => {
    const call = (methodName: string) =>
      gw.request('POST', '/mcp/tool/call', { serverName: 'open', methodName, args: {} });
    await call('echo_args');
    await call('echo_args');
    await call('fail');
    const open = (await rows()).find((r) => r.server === 'open')!;
    expect(open).to.include({ calls: 3, errors: 1, status: 'connected' });
    expect(open.p50Ms).to.be.a('number').and.above(0);
    expect(open.p95Ms).to.be.a('number').and.at.least(open.p50Ms!);
    expect((await rows()).find((r) => r.server === 'closed')).to.include({ calls: 0, p50Ms: null });
  });

  it('shows a user token every server while there is no access policy', async () => {
    expect((await rows(alice)).map((r) => r.server)).to.deep.equal(['closed', 'open']);
  });

  it('shows a user only the servers the access policy lets them use', async () => {
    const rules = [
      { id: 'r1', effect: 'allow', subjects: ['user:alice'], server: 'open', kind: 'tool', name: 'echo*' },
    ];
    expect((await gw.request('PUT', '/policy', { rules })).status).to.equal(200);
    expect((await rows(alice)).map((r) => r.server)).to.deep.equal(['open']);
    expect(
      (await rows()).map((r) => r.server),
      'the admin sees all',
    ).to.deep.equal(['closed', 'open']);
  });

  it('answers 401 without a token', async () => {
    expect((await gw.request('GET', '/health/servers', undefined, { token: null })).status).to.equal(401);
  });
});
