import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRemoteMcpServer, type RemoteMcpServer } from '../fixtures/remoteMcpServer.js';
import { call, remoteServer } from '../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const sessionEvents = async (gw: TestGateway): Promise<Array<{ sessionId: string | null }>> => {
  const log = await readFile(join(gw.dataDir, 'events', 'events.log'), 'utf8');
  return log
    .split('\n')
    .filter((line) => line.includes('"SessionIdChanged"'))
    .map(
      (line) =>
        (JSON.parse(line.slice(line.indexOf(' ') + 1)) as { data: { sessionId: string | null } }).data,
    );
};

describe('remote MCP sessions', () => {
  let up: RemoteMcpServer;
  let gw: TestGateway;

  beforeEach(async () => {
    up = await startRemoteMcpServer({ mode: 'streamable' });
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', remoteServer('sess', up.url));
    await waitForStatus(gw, 'sess', ['connected']);
  });
  afterEach(async () => {
    await gw.close();
    await up.close();
  });

  it('persists the session id after connecting (SessionIdChanged)', async () => {
    const [created] = up.sessionsCreated;
    expect(created).to.be.a('string');
    expect((await sessionEvents(gw)).map((e) => e.sessionId)).to.deep.equal([created]);
  });

  it('resumes the same session after a gateway restart, without a new initialize', async () => {
    const [original] = up.sessionsCreated;
    const dataDir = gw.dataDir;
    await gw.stop();
    const seenBefore = up.requests.length;
    gw = await startTestGateway({ dataDir });
    const server = await waitForStatus(gw, 'sess', ['connected']);
    expect(server.sessionId).to.equal('[redacted]');
    const out = await call(gw, 'sess', 'echo', { message: 'after restart' });
    expect(out.output, out.text).to.equal('after restart');
    expect(up.sessionsCreated).to.deep.equal([original]);
    const after = up.requests.slice(seenBefore).filter((r) => r.method === 'POST');
    expect(after.map((r) => r.rpc)).to.not.include('initialize');
    expect(after.every((r) => r.sessionId === original)).to.equal(true);
  });

  it('re-initializes once after the server forgot the session (404), and the call succeeds', async () => {
    const [first] = up.sessionsCreated;
    await up.forgetSessions();
    const out = await call(gw, 'sess', 'add', { a: 20, b: 22 });
    expect(out.output, out.text).to.equal('42');
    expect(up.sessionsCreated).to.have.length(2);
    const notFound = up.requests.filter((r) => r.status === 404);
    expect(notFound).to.have.length(1);
    expect(notFound[0]?.sessionId).to.equal(first);
    const second = up.sessionsCreated[1];
    // Cleared, then the new one recorded.
    expect((await sessionEvents(gw)).map((e) => e.sessionId)).to.deep.equal([first, null, second]);
  });

  it('re-initializes after a restart whose persisted session the server no longer knows', async () => {
    const dataDir = gw.dataDir;
    await gw.stop();
    await up.forgetSessions();
    gw = await startTestGateway({ dataDir });
    await waitForStatus(gw, 'sess', ['connected']);
    expect(up.sessionsCreated).to.have.length(2);
    expect(up.requests.filter((r) => r.status === 404)).to.have.length(1);
    expect((await call(gw, 'sess', 'echo', { message: 'fresh' })).output).to.equal('fresh');
  });

  it('recovers with one re-initialize when many calls hit the forgotten session at once', async () => {
    await up.forgetSessions();
    const outs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call(gw, 'sess', 'add', { a: i, b: 1 })),
    );
    expect(
      outs.map((o) => o.output),
      outs.map((o) => o.text).join('\n'),
    ).to.deep.equal(Array.from({ length: 10 }, (_, i) => String(i + 1)));
    expect(up.sessionsCreated).to.have.length(2);
  });
});
