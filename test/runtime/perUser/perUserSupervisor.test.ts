import { expect } from 'chai';
import { createLogger } from '../../../src/logger.js';
import { PerUserSupervisor } from '../../../src/runtime/perUser/perUserSupervisor.js';
import { ProcessBudget } from '../../../src/runtime/perUser/processBudget.js';
import { ProcessRegistry } from '../../../src/runtime/stdio/processRegistry.js';
import { ManualTimers } from '../../support/manualTimers.js';
import { FIXTURE_SERVER, isAlive, waitFor } from '../processTestUtils.js';

const IDLE_MS = 60_000;

describe('PerUserSupervisor: idle per-user processes', function () {
  this.timeout(30_000);
  let supervisor: PerUserSupervisor | undefined;
  let timers: ManualTimers;
  const registry = new ProcessRegistry();
  const budget = new ProcessBudget(10);

  beforeEach(() => {
    timers = new ManualTimers();
    supervisor = new PerUserSupervisor({
      template: {
        name: 'peruser',
        transport: { transportType: 'stdio', command: process.execPath, args: [FIXTURE_SERVER], env: {} },
        startupTimeoutMs: 10_000,
        logger: createLogger({ level: 'error', write: () => undefined }),
        policy: {
          initialDelayMs: 20,
          maxDelayMs: 200,
          factor: 2,
          breakerThreshold: 3,
          breakerWindowMs: 10_000,
        },
        shutdownGraceMs: 500,
        logLimit: 200,
        parentEnv: process.env,
        registry,
      },
      hooks: { redact: (l) => l, remember: () => undefined, onChange: () => undefined },
      secrets: (username) => ({ USER_TOKEN: `token-of-${username}` }),
      budget,
      limits: { maxPerServer: 5, idleTimeoutMs: IDLE_MS },
      now: timers.now,
      timers,
    });
    supervisor.start();
  });
  afterEach(async () => {
    await supervisor?.stop();
    supervisor = undefined;
  });

  const call = (username: string): Promise<unknown> =>
    supervisor!.callTool('echo', { message: username }, { username, timeoutMs: 10_000 });
  const pidsOf = (): number[] =>
    (supervisor!.snapshot().processes?.states ?? []).flatMap((s) => (s.pid === undefined ? [] : [s.pid]));

  it('stops a process once its user made no call for the idle timeout, and only that one', async () => {
    await call('alice');
    timers.advance(IDLE_MS / 2);
    await call('bob');
    const [alice, bob] = pidsOf();
    expect(supervisor!.snapshot().processes?.count).to.equal(2);

    timers.advance(IDLE_MS / 2);
    expect(supervisor!.snapshot().processes?.count).to.equal(1);
    await waitFor(() => !isAlive(alice!), 'the idle process gone');
    expect(isAlive(bob!)).to.equal(true);
    expect(supervisor!.snapshot().logs.join('\n')).to.contain(`idle for ${IDLE_MS} ms`);

    timers.advance(IDLE_MS / 2);
    expect(supervisor!.snapshot().processes?.count).to.equal(0);
    await waitFor(() => !isAlive(bob!), 'the second idle process gone');
    expect(budget.size).to.equal(0);
  });

  it('never stops a process while a call is in flight; the idle period starts when it ends', async () => {
    await call('carol');
    const slow = supervisor!.callTool('slow', { ms: 300 }, { username: 'carol', timeoutMs: 10_000 });
    timers.advance(IDLE_MS * 2);
    expect(supervisor!.snapshot().processes?.count).to.equal(1);
    await slow;
    timers.advance(IDLE_MS - 1);
    expect(supervisor!.snapshot().processes?.count).to.equal(1);
    timers.advance(1);
    expect(supervisor!.snapshot().processes?.count).to.equal(0);
  });

  it('a call after the eviction starts a fresh process for that user', async () => {
    await call('dave');
    const [first] = pidsOf();
    timers.advance(IDLE_MS);
    await waitFor(() => !isAlive(first!), 'evicted');
    await call('dave');
    const [second] = pidsOf();
    expect(second).to.be.a('number').and.not.equal(first);
  });
});
