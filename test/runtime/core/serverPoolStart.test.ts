import { expect } from 'chai';
import type { DesiredServer } from '../../../src/runtime/core/reconcile.js';
import { ServerPool, type Supervised, type SupervisedHooks } from '../../../src/runtime/core/serverPool.js';
import { StartGate } from '../../../src/runtime/core/startGate.js';
import type { ServerSnapshot, ServerStatus } from '../../../src/runtime/core/types.js';

/** A supervisor without a process: the test decides when it connects. */
class FakeServer implements Supervised {
  status: ServerStatus = 'disconnected';
  started = false;
  constructor(
    readonly name: string,
    private readonly hooks: SupervisedHooks,
  ) {}
  start(): void {
    this.started = true;
    this.set('connecting');
  }
  async stop(): Promise<void> {
    this.set('disconnected');
  }
  connect(): void {
    this.set('connected');
  }
  snapshot(): ServerSnapshot {
    return { status: this.status, toolsList: [], logs: [`log of ${this.name}`], restarts: 0 };
  }
  async callTool(): Promise<Record<string, unknown>> {
    return {};
  }
  private set(status: ServerStatus): void {
    this.status = status;
    this.hooks.onChange();
  }
}

const desired = (name: string, startupTimeout = 60_000): DesiredServer => ({
  name,
  serverId: `id-${name}`,
  generation: 1,
  config: {
    transport: { transportType: 'stdio', command: 'x', args: [], env: {} },
    timeout: 1000,
    startupTimeout,
  },
});
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ServerPool start concurrency', () => {
  let fakes: Map<string, FakeServer>;
  let pool: ServerPool;
  beforeEach(() => {
    fakes = new Map();
    pool = new ServerPool(
      (server, hooks) => {
        const fake = new FakeServer(server.name, hooks);
        fakes.set(server.name, fake);
        return fake;
      },
      { startConcurrency: 3 },
    );
  });
  const connecting = (): number => [...fakes.values()].filter((f) => f.status === 'connecting').length;
  const startedCount = (): number => [...fakes.values()].filter((f) => f.started).length;

  it(
    'starts at most N servers at once and the next one as soon as one connects, ' +
      'without holding up apply()',
    async () => {
      await pool.apply(
        Array.from({ length: 10 }, (_, i) => ({ kind: 'start' as const, server: desired(`s${i}`) })),
      );
      await tick();
      expect(startedCount()).to.equal(3);
      expect(connecting()).to.equal(3);
      fakes.get('s0')!.connect();
      await tick();
      expect(startedCount()).to.equal(4);
      expect(fakes.get('s3')!.started, 'queued in order').to.equal(true);
      for (let i = 0; i < 10; i++) {
        for (const f of fakes.values()) if (f.status === 'connecting') f.connect();
        await tick();
      }
      expect(startedCount()).to.equal(10);
    },
  );

  it(
    'never starts a queued server that was removed meanwhile, ' +
      'and frees the slot of a removed starting one',
    async () => {
      await pool.apply(
        ['a', 'b', 'c', 'd', 'e'].map((n) => ({ kind: 'start' as const, server: desired(n) })),
      );
      await tick();
      await pool.apply([
        { kind: 'stop', name: 'e' },
        { kind: 'stop', name: 'a' },
      ]);
      await tick();
      expect(fakes.get('d')!.started, "a's slot went to d").to.equal(true);
      fakes.get('b')!.connect();
      await tick();
      expect(fakes.get('e')!.started).to.equal(false);
    },
  );

  it('frees a slot when a server stays connecting past its startup timeout', async () => {
    const one = new ServerPool(
      (server, hooks) => {
        const fake = new FakeServer(server.name, hooks);
        fakes.set(`one-${server.name}`, fake);
        return fake;
      },
      { startConcurrency: 1 },
    );
    await one.apply(
      [desired('slow', 30), desired('next')].map((server) => ({ kind: 'start' as const, server })),
    );
    await tick();
    expect(fakes.get('one-next')!.started).to.equal(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fakes.get('one-next')!.started).to.equal(true);
  });

  it('stops at once with servers still queued (gateway shutdown during a cold start)', async () => {
    await pool.apply(
      Array.from({ length: 6 }, (_, i) => ({ kind: 'start' as const, server: desired(`q${i}`) })),
    );
    await tick();
    await pool.stopAll();
    expect(startedCount()).to.equal(3);
  });

  it('keeps the last logs of a stopped server for its registration only', async () => {
    await pool.apply([{ kind: 'start', server: desired('x') }]);
    await pool.apply([{ kind: 'stop', name: 'x' }]);
    expect(pool.snapshot('x')).to.equal(undefined);
    expect(pool.stoppedSnapshot('x', 'id-x')).to.deep.equal({
      status: 'disconnected',
      toolsList: [],
      logs: ['log of x'],
      restarts: 0,
    });
    expect(pool.stoppedSnapshot('x', 'another-registration')).to.equal(undefined);
    pool.pruneStopped(() => false);
    expect(pool.stoppedSnapshot('x', 'id-x')).to.equal(undefined);
  });
});

describe('StartGate', () => {
  it('grants up to its limit, queues the rest in order, and ignores a second release', async () => {
    const gate = new StartGate(2);
    const order: number[] = [];
    const releases = await Promise.all([gate.acquire(), gate.acquire()]);
    const third = gate.acquire().then((release) => (order.push(3), release));
    const fourth = gate.acquire().then((release) => (order.push(4), release));
    await tick();
    expect(order).to.deep.equal([]);
    releases[0]!();
    releases[0]!();
    await tick();
    expect(order).to.deep.equal([3]);
    expect(gate.inProgress).to.equal(2);
    releases[1]!();
    (await third)?.();
    (await fourth)?.();
    expect(gate.inProgress).to.equal(0);
  });

  it('leaves the queue without a slot when the waiter is aborted', async () => {
    const gate = new StartGate(1);
    const first = await gate.acquire();
    const abort = new AbortController();
    const waiting = gate.acquire(abort.signal);
    abort.abort();
    expect(await waiting).to.equal(undefined);
    first?.();
    expect(gate.inProgress).to.equal(0);
  });

  it('refuses a limit below 1', () => {
    expect(() => new StartGate(0)).to.throw(RangeError);
  });
});
