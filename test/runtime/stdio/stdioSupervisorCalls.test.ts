import { expect } from 'chai';
import { waitFor } from '../processTestUtils.js';
import { FIXTURE_TOOLS } from '../processTestUtils.js';
import { rejection, textOf, useSupervisors } from './stdioSupervisorHarness.js';

describe('StdioSupervisor tool calls: results, errors, timeouts, cancellation, the tool list', function () {
  this.timeout(20_000);
  const { make, connected } = useSupervisors();

  it('connects and lists every tool across all pages', async () => {
    const snap = await connected(make({ FIXTURE_PAGE_SIZE: '2', FIXTURE_EXTRA_TOOL: 'extra_one' }));
    expect(snap.toolsList.map((t) => t.name)).to.deep.equal([...FIXTURE_TOOLS, 'extra_one']);
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
    expect(server.snapshot().toolsList.map((t) => t.name)).to.deep.equal([...FIXTURE_TOOLS, 'late_tool']);
    expect(changes).to.be.greaterThan(before);
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
});
