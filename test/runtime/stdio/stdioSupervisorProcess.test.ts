import { expect } from 'chai';
import { waitFor } from '../processTestUtils.js';
import { FAST, rejection, textOf, useSupervisors } from './stdioSupervisorHarness.js';

describe('StdioSupervisor child process: stop(), its env and its stderr', function () {
  this.timeout(20_000);
  const { make, connected, logLines } = useSupervisors();

  it('captures stderr through the redactor', async () => {
    const server = make({}, { redact: (l) => l.replaceAll('hunter2', '[redacted]') });
    await connected(server);
    await server.callTool('log_stderr', { message: 'password is hunter2' }, { timeoutMs: 5000 });
    await waitFor(() => server.snapshot().logs.includes('password is [redacted]'), 'redacted line');
    expect(server.snapshot().logs.join('\n')).not.to.contain('hunter2');
  });

  it('stop() leaves no process, is idempotent, and no restart follows', async () => {
    const server = make();
    const pid = (await connected(server)).pid as number;
    await Promise.all([server.stop(), server.stop()]);
    await server.stop();
    expect(() => process.kill(pid, 0))
      .to.throw()
      .with.property('code', 'ESRCH');
    const snap = server.snapshot();
    expect(snap.status).to.equal('disconnected');
    expect(snap.pid).to.equal(undefined);
    const error = await rejection(server.callTool('echo', { message: 'x' }, { timeoutMs: 1000 }));
    expect(error.code).to.equal('server_unavailable');
    await new Promise((r) => setTimeout(r, FAST.initialDelayMs * 3));
    expect(server.snapshot().status).to.equal('disconnected');
  });

  it('stop() during a restart backoff cancels the restart', async () => {
    const server = make({}, { policy: { ...FAST, initialDelayMs: 60_000 } });
    await connected(server);
    await rejection(server.callTool('crash', {}, { timeoutMs: 10_000 }));
    expect(server.snapshot().status).to.equal('connecting');
    await server.stop();
    expect(server.snapshot().status).to.equal('disconnected');
  });

  it('fails an in-flight call as server_unavailable when stopped', async () => {
    const server = make();
    await connected(server);
    const pending = server.callTool('slow', { ms: 60_000 }, { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 20));
    await server.stop();
    expect((await rejection(pending)).code).to.equal('server_unavailable');
  });

  it('gives the child only the allow-listed env plus its configured env', async () => {
    const server = make({ CONFIGURED_VAR: 'configured-value' });
    await connected(server);
    const env = JSON.parse(textOf(await server.callTool('get_env', {}, { timeoutMs: 5000 }))) as Record<
      string,
      string
    >;
    expect(env.CONFIGURED_VAR).to.equal('configured-value');
    expect(env).not.to.have.property('CANARY_PARENT_VAR');
    expect(env).not.to.have.property('SECRETS_KEY');
    expect(JSON.stringify(env)).not.to.contain('canary-parent-3b9e');
    expect(logLines.join('\n')).not.to.contain('canary-parent-3b9e');
  });
});
