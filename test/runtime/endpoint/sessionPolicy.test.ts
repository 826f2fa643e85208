import { expect } from 'chai';
import {
  evictionsFor,
  isExpired,
  needsMark,
  sessionTimings,
  type SessionUse,
} from '../../../src/runtime/endpoint/sessionPolicy.js';

const t = sessionTimings(2, 1_800_000);
const NOW = 10_000_000;
const use = (key: string, openedAgoMs: number, usedAgoMs: number, openHere = 0): SessionUse => ({
  key,
  openedAtMs: NOW - openedAgoMs,
  lastActiveAtMs: NOW - usedAgoMs,
  openHere,
});

describe('legacy /mcp session policy', () => {
  it('derives the numbers the README states from the cap and the idle timeout', () => {
    expect(t).to.deep.equal({
      maxPerUser: 2,
      idleTimeoutMs: 1_800_000,
      protectMs: 60_000,
      markEveryMs: 30_000,
    });
    expect(sessionTimings(5, 200)).to.deep.include({ protectMs: 200, markEveryMs: 100 });
  });

  it('evicts nothing while the user is under the cap', () => {
    expect(evictionsFor([use('a', 1000, 1000)], NOW, t)).to.deep.equal([]);
  });

  it('evicts an abandoned session (never used after initialize) before a merely older one', () => {
    const used = use('used-long-ago', 3_600_000, 900_000);
    const abandoned = use('abandoned', 600_000, 600_000);
    expect(evictionsFor([used, abandoned], NOW, t)).to.deep.equal(['abandoned']);
  });

  it('otherwise evicts the least recently used', () => {
    expect(
      evictionsFor([use('newer', 3_600_000, 400_000), use('older', 3_600_000, 900_000)], NOW, t),
    ).to.deep.equal(['older']);
  });

  it('never evicts a session with an open stream here or recent use, and says so when no room can be made', () => {
    const streaming = use('streaming', 3_600_000, 3_000_000, 1);
    const recent = use('recent', 3_600_000, 59_000);
    expect(evictionsFor([streaming, recent], NOW, t)).to.equal(undefined);
    expect(evictionsFor([streaming, recent, use('idle', 3_600_000, 900_000)], NOW, t)).to.equal(undefined);
  });

  it('expires a session after the idle timeout without use, never one with an open stream', () => {
    expect(isExpired(use('a', 0, 1_800_000), NOW, t)).to.equal(true);
    expect(isExpired(use('a', 0, 1_799_999), NOW, t)).to.equal(false);
    expect(isExpired(use('a', 0, 9_000_000, 1), NOW, t)).to.equal(false);
  });

  it('re-records use only when the recorded mark is older than markEveryMs', () => {
    expect(needsMark(NOW - 29_999, NOW, t)).to.equal(false);
    expect(needsMark(NOW - 30_000, NOW, t)).to.equal(true);
  });
});
