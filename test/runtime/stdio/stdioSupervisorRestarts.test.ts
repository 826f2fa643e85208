import { expect } from 'chai';
import { waitFor } from '../processTestUtils.js';
import { FAST, rejection, textOf, useSupervisors } from './stdioSupervisorHarness.js';

describe('StdioSupervisor restarts: crashes, the crash-loop breaker, start failures, backoff', function () {
  this.timeout(20_000);
  const { make, connected } = useSupervisors();

  it('fails an in-flight call with upstream_crashed when the process dies, then restarts', async () => {
    const server = make();
    const first = (await connected(server)).pid;
    // The call timeout is far beyond the test timeout: only an immediate failure passes.
    const error = await rejection(server.callTool('crash', {}, { timeoutMs: 120_000 }));
    expect(error.code).to.equal('upstream_crashed');
    expect(error.message).to.contain('fixture').and.contain('code 3');
    const logs = server.snapshot().logs;
    expect(logs).to.include('crashing on request');
    expect(
      logs.some((l) => l.startsWith('[supervisor] process exited (code 3); restarting in 20 ms')),
    ).to.equal(true);
    expect(textOf(await server.callTool('echo', { message: 'again' }, { timeoutMs: 5000 }))).to.equal(
      'again',
    );
    const snap = server.snapshot();
    expect(snap.status).to.equal('connected');
    expect(snap.restarts).to.equal(1);
    expect(snap.pid).to.not.equal(first);
  });

  it('trips the crash-loop breaker when the server cannot start', async () => {
    const server = make({ FIXTURE_FAIL_START: '1' });
    server.start();
    await waitFor(() => server.snapshot().status === 'error', 'status error');
    const snap = server.snapshot();
    expect(snap.statusMessage)
      .to.contain('Crash loop: 3 failures')
      .and.contain('code 1')
      .and.contain('re-enable');
    expect(snap.logs).to.include('bad config');
    expect(snap.logs.filter((l) => l === 'bad config')).to.have.length(3);
    expect(snap.restarts).to.equal(2);
    expect(snap.pid).to.equal(undefined);
    const error = await rejection(server.callTool('echo', { message: 'x' }, { timeoutMs: 1000 }));
    expect(error.code).to.equal('server_unavailable');
    expect(error.message).to.contain('status error').and.contain('Crash loop');
    // Re-enabling retries from a clean slate.
    server.start();
    expect(server.snapshot()).to.deep.include({ status: 'connecting', restarts: 0 });
    await waitFor(() => server.snapshot().status === 'error', 'status error again');
  });

  it('reports a spawn failure as the reason', async () => {
    const server = make(
      {},
      { transport: { transportType: 'stdio', command: '/nonexistent/mcp-server', args: [], env: {} } },
    );
    server.start();
    await waitFor(() => server.snapshot().status === 'error', 'status error');
    expect(server.snapshot().statusMessage).to.contain('/nonexistent/mcp-server').and.contain('ENOENT');
  });

  it('reports a startup timeout as the reason', async () => {
    const hang = {
      transportType: 'stdio' as const,
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      env: {},
    };
    const server = make(
      {},
      { transport: hang, startupTimeoutMs: 100, policy: { ...FAST, breakerThreshold: 1 } },
    );
    server.start();
    await waitFor(() => server.snapshot().status === 'error', 'status error');
    expect(server.snapshot().statusMessage)
      .to.contain('did not complete within 100 ms')
      .and.contain('initialize');
  });

  it('resets the backoff once a connection stayed up for the breaker window', async () => {
    let clock = 0;
    const policy = { ...FAST, breakerThreshold: 100, breakerWindowMs: 1000 };
    const server = make({}, { policy, now: () => clock });
    const restartNotes = (): string[] => server.snapshot().logs.filter((l) => l.startsWith('[supervisor]'));
    await connected(server);
    await rejection(server.callTool('crash', {}, { timeoutMs: 10_000 }));
    await server.callTool('echo', { message: 'a' }, { timeoutMs: 5000 });
    await rejection(server.callTool('crash', {}, { timeoutMs: 10_000 }));
    await server.callTool('echo', { message: 'b' }, { timeoutMs: 5000 });
    clock += 5000;
    await rejection(server.callTool('crash', {}, { timeoutMs: 10_000 }));
    await server.callTool('echo', { message: 'c' }, { timeoutMs: 5000 });
    expect(restartNotes().map((l) => /restarting in (\d+) ms/.exec(l)?.[1])).to.deep.equal([
      '20',
      '40',
      '20',
    ]);
  });
});
