import { expect } from 'chai';
import { IdleLeases } from '../../../src/runtime/core/idleLeases.js';
import { ManualTimers } from '../../support/manualTimers.js';
import { waitFor } from '../processTestUtils.js';

describe('IdleLeases', () => {
  it('creates a value per key on first use, shares it between concurrent uses, and releases it once idle', async () => {
    const created: string[] = [];
    const released: string[] = [];
    const leases = new IdleLeases<string, { key: string }>({
      create: (key) => (created.push(key), { key }),
      release: async (value) => void released.push(value.key),
      idleMs: 30,
    });
    const [a, b] = await Promise.all([leases.use('k', async (v) => v), leases.use('k', async (v) => v)]);
    expect(a).to.equal(b);
    expect(created).to.deep.equal(['k']);
    await waitFor(() => released.includes('k'), 'released when idle');
    expect(leases.size).to.equal(0);
  });

  it('reset releases a value even while it is in use, and the next use gets a new one', async () => {
    const released: number[] = [];
    let next = 0;
    const leases = new IdleLeases<string, number>({
      create: () => ++next,
      release: async (v) => void released.push(v),
      idleMs: 60_000,
    });
    let finish: () => void = () => undefined;
    const busy = leases.use('k', (v) => new Promise<number>((resolve) => (finish = () => resolve(v))));
    await leases.reset('k');
    expect(released).to.deep.equal([1]);
    expect(await leases.use('k', async (v) => v)).to.equal(2);
    finish();
    expect(await busy).to.equal(1);
    await leases.closeAll(async (v) => void released.push(v));
    expect(released).to.deep.equal([1, 2]);
  });

  it('on a manual clock: touch restarts the idle period, and a stale handle evicts nothing', async () => {
    const timers = new ManualTimers();
    const released: string[] = [];
    let next = 0;
    const leases = new IdleLeases<string, number>({
      create: () => ++next,
      release: async (v, key, reason) => void released.push(`${key}=${v}: ${reason}`),
      idleMs: 100,
      timers,
    });
    await leases.use('k', async () => undefined);
    timers.advance(60);
    leases.touch('k');
    timers.advance(60);
    expect(released).to.deep.equal([]);
    await leases.evictValue('k', 99, 'stale');
    expect(leases.get('k')).to.equal(1);
    timers.advance(40);
    expect(released).to.deep.equal(['k=1: idle for 100 ms']);
    await leases.use('k', async () => undefined);
    await leases.evictValue('k', 2, 'the user was deleted');
    expect(released).to.deep.equal(['k=1: idle for 100 ms', 'k=2: the user was deleted']);
    expect(leases.size).to.equal(0);
  });
});
