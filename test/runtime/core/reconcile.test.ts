import { expect } from 'chai';
import type { ServerConfig } from '../../../src/events/serverEvents.js';
import { reconcile, type DesiredServer, type RunningServer } from '../../../src/runtime/core/reconcile.js';

const config: ServerConfig = {
  transport: { transportType: 'stdio', command: 'node', args: [], env: {} },
  timeout: 60_000,
  startupTimeout: 30_000,
};
const want = (name: string, generation: number): DesiredServer => ({ name, generation, config });
const has = (name: string, generation: number): RunningServer => ({ name, generation });

describe('reconcile', () => {
  it('starts a desired server that is not running', () => {
    expect(reconcile([want('alpha', 1)], [])).to.deep.equal([{ kind: 'start', server: want('alpha', 1) }]);
  });

  it('stops a running server that is no longer desired', () => {
    expect(reconcile([], [has('alpha', 3)])).to.deep.equal([{ kind: 'stop', name: 'alpha' }]);
  });

  it('restarts a running server whose generation changed', () => {
    expect(reconcile([want('alpha', 2)], [has('alpha', 1)])).to.deep.equal([
      { kind: 'restart', server: want('alpha', 2) },
    ]);
  });

  it('does nothing when running matches desired', () => {
    expect(reconcile([want('alpha', 2), want('beta', 1)], [has('beta', 1), has('alpha', 2)])).to.deep.equal(
      [],
    );
    expect(reconcile([], [])).to.deep.equal([]);
  });

  it('lists every stop before any start or restart', () => {
    const actions = reconcile(
      [want('new', 1), want('changed', 5), want('same', 1)],
      [has('changed', 4), has('same', 1), has('gone', 1), has('old', 2)],
    );
    expect(actions).to.deep.equal([
      { kind: 'stop', name: 'gone' },
      { kind: 'stop', name: 'old' },
      { kind: 'start', server: want('new', 1) },
      { kind: 'restart', server: want('changed', 5) },
    ]);
  });
});
