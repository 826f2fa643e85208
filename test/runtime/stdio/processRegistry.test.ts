import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { ProcessRegistry } from '../../../src/runtime/stdio/processRegistry.js';
import { isAlive, killQuietly, waitFor } from '../processTestUtils.js';

describe('ProcessRegistry', function () {
  this.timeout(10_000);
  const started: number[] = [];
  afterEach(() => started.splice(0).forEach(killQuietly));

  it('tracks pids', () => {
    const r = new ProcessRegistry();
    r.add(11);
    r.add(12);
    r.remove(11);
    expect(r.list()).to.deep.equal([12]);
    expect(r.has(12)).to.equal(true);
  });

  it('killAllSync signals every tracked process group, grandchildren included', async () => {
    const src =
      "require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], " +
      "{ stdio: 'ignore' }); setInterval(() => {}, 1000);";
    const children = [1, 2].map(() =>
      spawn(process.execPath, ['-e', src], { detached: true, stdio: 'ignore' }),
    );
    const registry = new ProcessRegistry();
    for (const c of children) {
      started.push(c.pid as number);
      registry.add(c.pid as number);
    }
    const exits = children.map(
      (c) => new Promise((resolve) => c.once('exit', (_code, signal) => resolve(signal))),
    );
    registry.killAllSync('SIGKILL');
    expect(await Promise.all(exits)).to.deep.equal(['SIGKILL', 'SIGKILL']);
    for (const c of children) await waitFor(() => !isAlive(c.pid as number), 'child gone');
  });

  it('ignores pids that are already gone', () => {
    const r = new ProcessRegistry();
    r.add(2 ** 22 + 12345);
    expect(() => r.killAllSync('SIGTERM')).not.to.throw();
  });
});
