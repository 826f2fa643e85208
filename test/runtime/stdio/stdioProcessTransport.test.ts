import { expect } from 'chai';
import { ProcessRegistry } from '../../../src/runtime/stdio/processRegistry.js';
import {
  SpawnError,
  StdioProcessTransport,
  type ProcessExit,
  type StdioProcessOptions,
} from '../../../src/runtime/stdio/stdioProcessTransport.js';
import { FIXTURE_SERVER, isAlive, killQuietly, TempScripts, waitFor } from '../processTestUtils.js';

const STUBBORN = `
import { spawn } from 'node:child_process';
process.on('SIGTERM', () => process.stderr.write('child ignores SIGTERM\\n'));
process.stdin.resume();
process.stdin.on('end', () => process.stderr.write('child ignores EOF\\n'));
const src = "process.on('SIGTERM', () => {}); " +
  "process.stderr.write('grandchild ready ' + process.pid + '\\\\n'); setInterval(() => {}, 1000);";
spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'ignore', 'inherit'] });
process.stderr.write('child ready\\n');
setInterval(() => {}, 1000);
`;

describe('StdioProcessTransport', function () {
  this.timeout(15_000);
  const scripts = new TempScripts();
  let transports: StdioProcessTransport[] = [];
  const extraPids: number[] = [];

  function make(options: Partial<StdioProcessOptions> & { command?: string }): StdioProcessTransport {
    const t = new StdioProcessTransport({
      command: process.execPath,
      args: [],
      env: {},
      graceMs: 100,
      ...options,
    });
    transports.push(t);
    return t;
  }

  function observe(t: StdioProcessTransport): {
    lines: string[];
    exits: ProcessExit[];
    closed: () => boolean;
    errors: Error[];
  } {
    const lines: string[] = [];
    const exits: ProcessExit[] = [];
    const errors: Error[] = [];
    let closed = false;
    t.onstderrLine = (l) => lines.push(l);
    t.onexit = (e) => exits.push(e);
    t.onerror = (e) => errors.push(e);
    t.onclose = () => (closed = true);
    return { lines, exits, errors, closed: () => closed };
  }

  afterEach(async () => {
    const pids = transports.map((t) => t.pid);
    await Promise.all(transports.map((t) => t.close()));
    for (const pid of [...pids, ...extraPids]) killQuietly(pid);
    transports = [];
    extraPids.length = 0;
  });
  after(() => scripts.cleanup());

  it('reports the exit code', async () => {
    const t = make({ args: ['-e', 'process.exit(7)'] });
    const o = observe(t);
    await t.start();
    await waitFor(o.closed, 'close');
    expect(o.exits).to.deep.equal([{ code: 7, signal: null }]);
    expect(t.exitInfo).to.deep.equal({ code: 7, signal: null });
    expect(t.pid).to.equal(undefined);
  });

  it('reports the signal that killed the process', async () => {
    const t = make({ args: ['-e', 'setInterval(() => {}, 1000)'] });
    const o = observe(t);
    await t.start();
    process.kill(t.pid as number, 'SIGKILL');
    await waitFor(o.closed, 'close');
    expect(o.exits).to.deep.equal([{ code: null, signal: 'SIGKILL' }]);
  });

  it('ends a well-behaved server with stdin EOF, the first step of the ladder', async () => {
    const t = make({ args: [FIXTURE_SERVER], graceMs: 5000 });
    const o = observe(t);
    await t.start();
    const pid = t.pid as number;
    await t.close();
    expect(o.exits).to.deep.equal([{ code: 0, signal: null }]);
    expect(o.closed()).to.equal(true);
    expect(() => process.kill(pid, 0))
      .to.throw()
      .with.property('code', 'ESRCH');
  });

  it('kills a child ignoring EOF and SIGTERM, and its grandchild, with SIGKILL to the group', async () => {
    const script = await scripts.write('stubborn.mjs', STUBBORN);
    const t = make({ args: [script] });
    const o = observe(t);
    await t.start();
    const pid = t.pid as number;
    await waitFor(
      () => o.lines.includes('child ready') && o.lines.some((l) => l.startsWith('grandchild ready')),
      'both ready',
    );
    const grandchild = Number(o.lines.find((l) => l.startsWith('grandchild ready'))?.split(' ')[2]);
    extraPids.push(grandchild);
    expect(isAlive(grandchild)).to.equal(true);
    await t.close();
    expect(o.lines).to.include('child ignores EOF');
    expect(o.lines).to.include('child ignores SIGTERM');
    expect(o.exits).to.deep.equal([{ code: null, signal: 'SIGKILL' }]);
    expect(() => process.kill(pid, 0))
      .to.throw()
      .with.property('code', 'ESRCH');
    await waitFor(() => !isAlive(grandchild), 'grandchild gone');
  });

  it('rejects start() clearly when the command does not exist', async () => {
    const registry = new ProcessRegistry();
    const t = make({ command: '/nonexistent/mcp-binary', registry });
    const o = observe(t);
    const error = await t.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(SpawnError);
    expect((error as Error).message)
      .to.contain('/nonexistent/mcp-binary')
      .and.contain('ENOENT');
    expect(t.pid).to.equal(undefined);
    expect(registry.size).to.equal(0);
    await t.close();
    expect(o.exits).to.deep.equal([]);
  });

  it('splits stderr into lines, buffering partial lines and bounding long ones', async () => {
    const src =
      "process.stderr.write('one\\ntw'); " +
      "setTimeout(() => { process.stderr.write('o\\r\\n' + 'x'.repeat(300) + '\\nlast'); }, 20);";
    const t = make({ args: ['-e', src], maxStderrLineLength: 100 });
    const o = observe(t);
    await t.start();
    await waitFor(o.closed, 'close');
    expect(o.lines.slice(0, 2)).to.deep.equal(['one', 'two']);
    expect(o.lines[2]).to.equal('x'.repeat(100) + ' …[truncated]');
    expect(o.lines[3]).to.equal('last');
    expect(o.lines).to.have.length(4);
  });

  it('uses exactly the env it is given', async () => {
    const t = make({
      args: ['-e', 'process.stderr.write(JSON.stringify(process.env) + "\\n")'],
      env: { ONLY_THIS: 'yes' },
    });
    const o = observe(t);
    await t.start();
    await waitFor(o.closed, 'close');
    expect(JSON.parse(o.lines[0] as string)).to.deep.equal({ ONLY_THIS: 'yes' });
  });

  it('closes with an error when an oversized message answers no request it can name', async () => {
    const t = make({
      args: ['-e', 'process.stdout.write("x".repeat(5000) + "\\n"); setInterval(() => {}, 1000)'],
      maxMessageBytes: 1000,
    });
    const o = observe(t);
    await t.start();
    await waitFor(o.closed, 'close');
    expect(o.errors.map((e) => e.message).join()).to.contain('1000');
    expect(t.closeReason).to.contain('5000 bytes (limit 1000)');
  });

  for (const [where, line] of [
    [
      'last (JavaScript SDKs)',
      'JSON.stringify({ result: { text: "x".repeat(5000) }, jsonrpc: "2.0", id: 7 })',
    ],
    [
      'first (Python SDK)',
      'JSON.stringify({ jsonrpc: "2.0", id: "req-7", result: { text: "x".repeat(5000) } })',
    ],
  ] as const) {
    it(`answers an oversized result with the id ${where} by an error for that request, and stays open`, async () => {
      const src =
        `process.stdout.write(${line} + "\\n"); ` +
        'process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: 8, result: {} }) + "\\n"); ' +
        'setInterval(() => {}, 1000)';
      const t = make({ args: ['-e', src], maxMessageBytes: 1000 });
      const o = observe(t);
      const messages: Array<Record<string, unknown>> = [];
      t.onmessage = (m) => messages.push(m as Record<string, unknown>);
      await t.start();
      await waitFor(() => messages.length === 2, 'two messages');
      const [tooLarge, next] = messages;
      expect(tooLarge?.id).to.equal(where.startsWith('last') ? 7 : 'req-7');
      expect(tooLarge?.error).to.deep.include({ code: -32090 });
      const data = (tooLarge?.error as { data: { size: number; limit: number } }).data;
      expect(data.limit).to.equal(1000);
      expect(data.size).to.be.greaterThan(5000);
      expect(next).to.deep.equal({ jsonrpc: '2.0', id: 8, result: {} });
      expect(o.closed()).to.equal(false);
      expect(t.pid).to.be.a('number');
    });
  }

  it('delivers JSON-RPC messages both ways', async () => {
    const t = make({ args: [FIXTURE_SERVER] });
    const o = observe(t);
    const messages: unknown[] = [];
    t.onmessage = (m) => messages.push(m);
    await t.start();
    await t.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
    await waitFor(() => messages.length > 0, 'pong');
    expect(messages[0]).to.deep.equal({ jsonrpc: '2.0', id: 1, result: {} });
    await t.close();
    expect(o.closed()).to.equal(true);
    const error = await t.send({ jsonrpc: '2.0', id: 2, method: 'ping' }).catch((e: unknown) => e);
    expect((error as Error).message).to.equal('Not connected');
  });

  it('registers its pid while running and unregisters on exit', async () => {
    const registry = new ProcessRegistry();
    const t = make({ args: ['-e', 'setInterval(() => {}, 1000)'], registry });
    await t.start();
    const pid = t.pid as number;
    expect(registry.list()).to.deep.equal([pid]);
    await t.close();
    expect(registry.size).to.equal(0);
  });
});
