import { expect } from 'chai';
import {
  backoffDelay,
  decideAfterCrash,
  DEFAULT_RESTART_POLICY,
  halfOpen,
  recordCrash,
  type RestartPolicy,
} from '../../../src/runtime/core/restartPolicy.js';

describe('restartPolicy', () => {
  const policy: RestartPolicy = {
    initialDelayMs: 100,
    maxDelayMs: 1000,
    factor: 2,
    breakerThreshold: 3,
    breakerWindowMs: 10_000,
  };

  it('has the documented defaults', () => {
    expect(DEFAULT_RESTART_POLICY).to.deep.equal({
      initialDelayMs: 500,
      maxDelayMs: 30_000,
      factor: 2,
      breakerThreshold: 5,
      breakerWindowMs: 60_000,
    });
  });

  it('grows delays exponentially from the initial delay', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(policy, a))).to.deep.equal([100, 200, 400, 800]);
  });

  it('caps delays at maxDelayMs, even for huge attempts', () => {
    expect(backoffDelay(policy, 4)).to.equal(1000);
    expect(backoffDelay(policy, 10_000)).to.equal(1000);
  });

  it('treats negative or non-finite attempts as the first', () => {
    expect(backoffDelay(policy, -3)).to.equal(100);
    expect(backoffDelay(policy, Number.NaN)).to.equal(100);
  });

  it('trips the breaker when threshold crashes fall within the window', () => {
    let history: number[] = [];
    const verdicts: boolean[] = [];
    for (const t of [0, 1000, 2000]) {
      const v = recordCrash(history, t, policy);
      history = v.history;
      verdicts.push(v.tripped);
    }
    expect(verdicts).to.deep.equal([false, false, true]);
    expect(history).to.deep.equal([0, 1000, 2000]);
  });

  it('does not trip when the crashes are spread beyond the window', () => {
    let history: number[] = [];
    for (const t of [0, 6000, 12_000, 18_000, 24_000]) {
      const v = recordCrash(history, t, policy);
      expect(v.tripped, `crash at ${t}`).to.equal(false);
      history = v.history;
    }
    expect(history).to.deep.equal([18_000, 24_000]);
  });

  it('does not modify the history it is given', () => {
    const history = [1, 2];
    recordCrash(history, 3, policy);
    expect(history).to.deep.equal([1, 2]);
  });
});

describe('decideAfterCrash', () => {
  const policy: RestartPolicy = {
    initialDelayMs: 100,
    maxDelayMs: 1000,
    factor: 2,
    breakerThreshold: 3,
    breakerWindowMs: 10_000,
  };

  it('restarts with a growing backoff until the breaker trips', () => {
    let state = { history: [] as readonly number[], attempt: 0 };
    const a = decideAfterCrash(state, 0, undefined, policy);
    expect(a).to.deep.include({ action: 'restart', delayMs: 100 });
    state = a.state;
    const b = decideAfterCrash(state, 100, 50, policy);
    expect(b).to.deep.include({ action: 'restart', delayMs: 200 });
    const c = decideAfterCrash(b.state, 300, undefined, policy);
    expect(c).to.deep.include({ action: 'give-up', failures: 3 });
  });

  it('starts the backoff over after a run that outlived the breaker window', () => {
    const d = decideAfterCrash({ history: [0], attempt: 4 }, 30_000, 15_000, policy);
    expect(d).to.deep.include({ action: 'restart', delayMs: 100 });
    expect(d.state).to.deep.equal({ history: [30_000], attempt: 1 });
  });
});

describe('the crash-loop breaker half-opens after its cool-down', () => {
  const policy: RestartPolicy = {
    initialDelayMs: 100,
    maxDelayMs: 1000,
    factor: 2,
    breakerThreshold: 3,
    breakerWindowMs: 10_000,
    breakerCooldownMs: 60_000,
  };
  const trip = (): ReturnType<typeof decideAfterCrash> => {
    let state = { history: [] as number[], attempt: 0 };
    let decision = decideAfterCrash(state, 0, undefined, policy);
    for (const t of [1, 2]) {
      state = { ...decision.state, history: [...decision.state.history] };
      decision = decideAfterCrash(state, t, undefined, policy);
    }
    return decision;
  };

  it('opens with a retry after the cool-down', () => {
    const opened = trip();
    expect(opened.action).to.equal('give-up');
    expect(opened).to.include({ retryAfterMs: 60_000 });
  });

  it('stays open without a cool-down (the admin re-enables)', () => {
    const { breakerCooldownMs: _none, ...noCooldown } = policy;
    const decision = decideAfterCrash({ history: [1, 2], attempt: 2 }, 3, undefined, noCooldown);
    expect(decision.action).to.equal('give-up');
    expect(decision).not.to.have.property('retryAfterMs');
  });

  it('re-opens at once when the trial run fails, even with nothing left in the window', () => {
    const trial = halfOpen(trip().state);
    const decision = decideAfterCrash(trial, 70_000, undefined, policy);
    expect(decision.action).to.equal('give-up');
    expect(decision).to.include({ retryAfterMs: 60_000 });
  });

  it('closes when the trial run stays up for the breaker window', () => {
    const trial = halfOpen(trip().state);
    const decision = decideAfterCrash(trial, 90_000, 70_000, policy);
    expect(decision.action).to.equal('restart');
    expect(decision.state.halfOpen).to.equal(undefined);
  });
});
