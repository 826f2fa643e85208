import { expect } from 'chai';
import { AppError } from '../../../src/errors.js';
import {
  leastRecentlyUsedIdle,
  ProcessBudget,
  type BudgetedProcess,
} from '../../../src/runtime/perUser/processBudget.js';

function fake(lastUsed: number, busy = false): BudgetedProcess & { evicted: string[] } {
  const p = {
    lastUsed,
    busy,
    evicted: [] as string[],
    evict: async (reason: string) => void p.evicted.push(reason),
  };
  return p;
}

describe('ProcessBudget (gateway-wide cap on per-user processes)', () => {
  it('picks the least recently used process that is not busy', () => {
    const a = fake(30);
    const b = fake(10, true);
    const c = fake(20);
    expect(leastRecentlyUsedIdle([a, b, c])).to.equal(c);
    expect(leastRecentlyUsedIdle([b])).to.equal(undefined);
  });

  it(
    'has room below the cap, ' +
      'evicts the least recently used idle process at the cap, refuses when all are busy',
    async () => {
      const budget = new ProcessBudget(2);
      const old = fake(1);
      const recent = fake(2);
      budget.add(old);
      await budget.makeRoom();
      budget.add(recent);
      await budget.makeRoom();
      expect(old.evicted).to.have.length(1);
      expect(recent.evicted).to.have.length(0);

      const full = new ProcessBudget(1);
      full.add(fake(1, true));
      try {
        void full.makeRoom();
        expect.fail('should refuse');
      } catch (e) {
        expect(e).to.be.instanceOf(AppError);
        expect((e as AppError).code).to.equal('too_many_processes');
        expect((e as AppError).status).to.equal(429);
      }
    },
  );
});
