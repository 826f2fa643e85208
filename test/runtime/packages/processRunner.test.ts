import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createProcessRunner } from '../../../src/runtime/packages/processRunner.js';
import { ProcessRegistry } from '../../../src/runtime/stdio/processRegistry.js';
import { isAlive, waitFor } from '../processTestUtils.js';

const GUARD = fileURLToPath(new URL('../../../src/runtime/packages/processGuard.js', import.meta.url));
const env = { PATH: process.env.PATH ?? '' };

describe('the installer process runner', function () {
  this.timeout(20_000);

  it('passes argv without a shell, with exactly the env it is given, and streams lines', async () => {
    const lines: string[] = [];
    const run = createProcessRunner();
    const script =
      'console.log(JSON.stringify(process.argv.slice(1))); console.error(Object.keys(process.env).sort().join(","))';
    const result = await run({
      command: process.execPath,
      args: ['-e', script, '$(id); rm -rf /', '`x`'],
      env: { ...env, ONLY: '1' },
      timeoutMs: 10_000,
      onLine: (l) => lines.push(l),
    });
    expect(result).to.include({ code: 0, timedOut: false, aborted: false });
    expect(lines).to.include(JSON.stringify(['$(id); rm -rf /', '`x`']));
    expect(lines).to.include('ONLY,PATH');
  });

  it('reports the exit code and the last lines of a failing command', async () => {
    const run = createProcessRunner();
    const result = await run({
      command: process.execPath,
      args: ['-e', 'console.error("npm error E404"); process.exit(3)'],
      env,
      timeoutMs: 10_000,
    });
    expect(result.code).to.equal(3);
    expect(result.tail).to.deep.equal(['npm error E404']);
  });

  it('kills the whole process group on timeout and on abort, and tracks the group while it runs', async () => {
    const registry = new ProcessRegistry();
    const run = createProcessRunner(registry);
    let grandchild = 0;
    const spawnChild =
      "const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], " +
      "{ stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000)";
    const timed = await run({
      command: process.execPath,
      args: ['-e', spawnChild],
      env,
      timeoutMs: 1500,
      onLine: (l) => (grandchild = Number(l)),
    });
    expect(timed.timedOut).to.equal(true);
    await waitFor(() => grandchild > 0 && !isAlive(grandchild), 'the grandchild to die with the group');
    expect(registry.size).to.equal(0);

    const controller = new AbortController();
    const pending = run({
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      env,
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    await waitFor(() => registry.size === 1, 'the run to be tracked');
    controller.abort();
    expect((await pending).aborted).to.equal(true);
  });

  it('reports a command that cannot start', async () => {
    const run = createProcessRunner();
    const result = await run({ command: '/nonexistent/npm', args: [], env, timeoutMs: 5000 });
    expect(result.code).to.equal(127);
    expect(result.tail.join('\n')).to.contain('cannot start /nonexistent/npm');
  });

  it('the guard kills its group when its stdin closes (the gateway died)', async () => {
    const guard = spawn(
      process.execPath,
      [GUARD, process.execPath, '-e', 'console.log(process.pid); setInterval(() => {}, 1000)'],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
        detached: true,
      },
    );
    const pid = await new Promise<number>((resolve) =>
      guard.stdout.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))),
    );
    expect(isAlive(pid)).to.equal(true);
    guard.stdin.end();
    await waitFor(() => !isAlive(pid) && !isAlive(guard.pid as number), 'the guarded command to die');
  });
});
