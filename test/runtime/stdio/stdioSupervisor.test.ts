import { expect } from 'chai';
import { AppError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { StdioSupervisor, type StdioSupervisorOptions } from '../../../src/runtime/stdio/stdioSupervisor.js';
import { ProcessRegistry } from '../../../src/runtime/stdio/processRegistry.js';
import type { RestartPolicy } from '../../../src/runtime/core/restartPolicy.js';
import type { ServerSnapshot } from '../../../src/runtime/core/types.js';
import { FIXTURE_SERVER, isAlive, killQuietly, waitFor } from '../processTestUtils.js';

const FAST: RestartPolicy = {
  initialDelayMs: 20,
  maxDelayMs: 200,
  factor: 2,
  breakerThreshold: 3,
  breakerWindowMs: 10_000,
};
const ALL_TOOLS = [
  'echo',
  'add',
  'echo_secret',
  'echo_args',
  'slow',
  'crash',
  'log_stderr',
  'get_env',
  'fail',
  'add_tool',
];

const rejection = async (p: Promise<unknown>): Promise<AppError> => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').to.be.instanceOf(AppError);
  return error as AppError;
};
const textOf = (result: Record<string, unknown>): string =>
  (result.content as { text: string }[])[0]?.text ?? '';

describe('StdioSupervisor (against the fixture server)', function () {
  this.timeout(20_000);
  let servers: StdioSupervisor[] = [];
  let pids: number[] = [];
  let logLines: string[] = [];

  function make(
    env: Record<string, string> = {},
    overrides: Partial<StdioSupervisorOptions> = {},
  ): StdioSupervisor {
    const registry = new ProcessRegistry();
    const server = new StdioSupervisor({
      name: 'fixture',
      transport: { transportType: 'stdio', command: process.execPath, args: [FIXTURE_SERVER], env },
      startupTimeoutMs: 5000,
      logger: createLogger({ level: 'debug', write: (l) => logLines.push(l) }),
      policy: FAST,
      shutdownGraceMs: 200,
      logLimit: 100,
      parentEnv: { ...process.env, CANARY_PARENT_VAR: 'canary-parent-3b9e', SECRETS_KEY: 'gateway-key' },
      registry,
      ...overrides,
      onChange: () => {
        const pid = server.snapshot().pid;
        if (pid !== undefined && !pids.includes(pid)) pids.push(pid);
        overrides.onChange?.();
      },
    });
    servers.push(server);
    return server;
  }

  async function connected(server: StdioSupervisor): Promise<ServerSnapshot> {
    server.start();
    await waitFor(() => server.snapshot().status !== 'connecting', 'status to leave connecting');
    const snap = server.snapshot();
    expect(snap.status, snap.statusMessage).to.equal('connected');
    return snap;
  }

  afterEach(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    for (const pid of pids) {
      expect(isAlive(pid), `pid ${pid} still alive`).to.equal(false);
      killQuietly(pid);
    }
    servers = [];
    pids = [];
    logLines = [];
  });

  it('connects and lists every tool across all pages', async () => {
    const snap = await connected(make({ FIXTURE_PAGE_SIZE: '2', FIXTURE_EXTRA_TOOL: 'extra_one' }));
    expect(snap.toolsList.map((t) => t.name)).to.deep.equal([...ALL_TOOLS, 'extra_one']);
    expect(snap.toolsList.find((t) => t.name === 'add')?.outputSchema).to.deep.include({ type: 'object' });
    expect(snap.pid).to.be.a('number');
    expect(snap.restarts).to.equal(0);
  });

  it('calls tools and returns results verbatim', async () => {
    const server = make();
    await connected(server);
    expect(textOf(await server.callTool('echo', { message: 'hi' }, { timeoutMs: 5000 }))).to.equal('hi');
    const sum = await server.callTool('add', { a: 2, b: 3 }, { timeoutMs: 5000 });
    expect(sum).to.deep.equal({ content: [{ type: 'text', text: '5' }], structuredContent: { sum: 5 } });
  });

  it('returns an isError tool result as data', async () => {
    const server = make();
    await connected(server);
    const result = await server.callTool('fail', {}, { timeoutMs: 5000 });
    expect(result).to.deep.equal({
      isError: true,
      content: [{ type: 'text', text: 'tool failed on purpose' }],
    });
  });

  it('maps a JSON-RPC error from the server to upstream_error', async () => {
    const server = make();
    await connected(server);
    const error = await rejection(server.callTool('no_such_tool', {}, { timeoutMs: 5000 }));
    expect(error.code).to.equal('upstream_error');
    expect(error.message).to.contain('Unknown tool: no_such_tool');
  });

  it('waits for a connecting server before calling', async () => {
    const server = make();
    server.start();
    expect(server.snapshot().status).to.equal('connecting');
    expect(textOf(await server.callTool('echo', { message: 'early' }, { timeoutMs: 5000 }))).to.equal(
      'early',
    );
  });

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

  it('times out a call with upstream_timeout and cancels it upstream', async () => {
    const server = make();
    await connected(server);
    const error = await rejection(server.callTool('slow', { ms: 60_000 }, { timeoutMs: 150 }));
    expect(error.code).to.equal('upstream_timeout');
    expect(error.message).to.equal('Tool slow on server fixture timed out after 150 ms');
    await waitFor(
      () => server.snapshot().logs.some((l) => l.startsWith('cancelled slow')),
      'upstream cancellation',
    );
    expect(server.snapshot().status).to.equal('connected');
  });

  it('maps an aborted caller signal to client_closed_request and cancels upstream', async () => {
    const server = make();
    await connected(server);
    const controller = new AbortController();
    const pending = server.callTool('slow', { ms: 60_000 }, { timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await rejection(pending);
    expect(error.code).to.equal('client_closed_request');
    await waitFor(
      () => server.snapshot().logs.some((l) => l.startsWith('cancelled slow')),
      'upstream cancellation',
    );
  });

  it('does not leave listeners on a long-lived caller signal', async () => {
    const server = make();
    await connected(server);
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
    signal.removeEventListener = ((...a: Parameters<typeof remove>) => (
      removed++,
      remove(...a)
    )) as typeof remove;
    for (let i = 0; i < 5; i++)
      await server.callTool('echo', { message: String(i) }, { timeoutMs: 5000, signal });
    await rejection(server.callTool('no_such_tool', {}, { timeoutMs: 5000, signal }));
    expect(added).to.equal(6);
    expect(removed).to.equal(added);
  });

  it('refetches all pages on tools/list_changed', async () => {
    let changes = 0;
    const server = make({ FIXTURE_PAGE_SIZE: '2' }, { onChange: () => changes++ });
    await connected(server);
    const before = changes;
    await server.callTool('add_tool', { name: 'late_tool' }, { timeoutMs: 5000 });
    await waitFor(
      () => server.snapshot().toolsList.some((t) => t.name === 'late_tool'),
      'new tool in snapshot',
    );
    expect(server.snapshot().toolsList.map((t) => t.name)).to.deep.equal([...ALL_TOOLS, 'late_tool']);
    expect(changes).to.be.greaterThan(before);
  });

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

  it('passes arguments through untouched (secret injection happens upstream of the runtime)', async () => {
    const server = make();
    await connected(server);
    const result = await server.callTool(
      'echo_secret',
      { name: 'API_TOKEN', API_TOKEN: 'tok-123' },
      { timeoutMs: 5000 },
    );
    expect(textOf(result)).to.equal('tok-123');
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
