import { expect } from 'chai';
import { SecretRedactor } from '../../../src/runtime/core/secretRedactor.js';

describe('secretRedactor', () => {
  it('replaces every occurrence of a remembered value with [redacted]', () => {
    const r = new SecretRedactor();
    r.remember('alice', ['sk-canary-123', 'pa55word']);
    expect(r.redact('token=sk-canary-123 again sk-canary-123; pw=pa55word')).to.equal(
      'token=[redacted] again [redacted]; pw=[redacted]',
    );
  });

  it('leaves lines without a remembered value untouched', () => {
    const r = new SecretRedactor();
    r.remember('alice', ['sk-canary-123']);
    expect(r.redact('nothing to see here')).to.equal('nothing to see here');
  });

  it('ignores values shorter than 4 characters', () => {
    const r = new SecretRedactor();
    r.remember('alice', ['abc', 'a', '', 'abcd']);
    expect(r.redact('abc a abcd')).to.equal('abc a [redacted]');
  });

  it('fully redacts a longer secret that contains a shorter remembered one', () => {
    const r = new SecretRedactor();
    r.remember('alice', ['tok1', 'tok1-suffix-canary']);
    const line = r.redact('a=tok1-suffix-canary b=tok1');
    expect(line).to.not.contain('canary');
    expect(line).to.equal('a=[redacted] b=[redacted]');
  });

  it('is bounded: past the limit the oldest value is forgotten', () => {
    const r = new SecretRedactor(2);
    r.remember('alice', ['first-value', 'second-value', 'third-value']);
    expect(r.redact('first-value second-value third-value')).to.equal('first-value [redacted] [redacted]');
  });

  it('counts a remembered-again value as recent', () => {
    const r = new SecretRedactor(2);
    r.remember('alice', ['first-value', 'second-value']);
    r.remember('alice', ['first-value']);
    r.remember('alice', ['third-value']);
    expect(r.redact('first-value second-value third-value')).to.equal('[redacted] second-value [redacted]');
  });

  it('works as a detached function (it is passed around as a line mapper)', () => {
    const r = new SecretRedactor();
    r.remember('alice', ['sk-canary-123']);
    const { redact } = r;
    expect(['x sk-canary-123'].map(redact)).to.deep.equal(['x [redacted]']);
  });

  it('keeps values per user: another user remembering many values never flushes this one', () => {
    const r = new SecretRedactor(3);
    r.remember('alice', ['alice-token-canary']);
    r.remember(
      'mallory',
      Array.from({ length: 1000 }, (_, i) => `mallory-value-${i}`),
    );
    expect(r.redact('leaked alice-token-canary')).to.equal('leaked [redacted]');
    expect(r.redact('mallory-value-999 mallory-value-0')).to.equal('[redacted] mallory-value-0');
    expect(r.valuesOf('alice')).to.deep.equal(['alice-token-canary']);
    expect(r.valuesOf('mallory')).to.have.length(3);
  });
});
