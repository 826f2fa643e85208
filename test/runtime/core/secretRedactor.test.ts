import { expect } from 'chai';
import { SecretRedactor } from '../../../src/runtime/core/secretRedactor.js';

describe('secretRedactor', () => {
  it('replaces every occurrence of a remembered value with [redacted]', () => {
    const r = new SecretRedactor();
    r.remember(['sk-canary-123', 'pa55word']);
    expect(r.redact('token=sk-canary-123 again sk-canary-123; pw=pa55word')).to.equal(
      'token=[redacted] again [redacted]; pw=[redacted]',
    );
  });

  it('leaves lines without a remembered value untouched', () => {
    const r = new SecretRedactor();
    r.remember(['sk-canary-123']);
    expect(r.redact('nothing to see here')).to.equal('nothing to see here');
  });

  it('ignores values shorter than 4 characters', () => {
    const r = new SecretRedactor();
    r.remember(['abc', 'a', '', 'abcd']);
    expect(r.redact('abc a abcd')).to.equal('abc a [redacted]');
  });

  it('fully redacts a longer secret that contains a shorter remembered one', () => {
    const r = new SecretRedactor();
    r.remember(['tok1', 'tok1-suffix-canary']);
    const line = r.redact('a=tok1-suffix-canary b=tok1');
    expect(line).to.not.contain('canary');
    expect(line).to.equal('a=[redacted] b=[redacted]');
  });

  it('is bounded: past the limit the oldest value is forgotten', () => {
    const r = new SecretRedactor(2);
    r.remember(['first-value', 'second-value', 'third-value']);
    expect(r.redact('first-value second-value third-value')).to.equal('first-value [redacted] [redacted]');
  });

  it('counts a remembered-again value as recent', () => {
    const r = new SecretRedactor(2);
    r.remember(['first-value', 'second-value']);
    r.remember(['first-value']);
    r.remember(['third-value']);
    expect(r.redact('first-value second-value third-value')).to.equal('[redacted] second-value [redacted]');
  });

  it('works as a detached function (it is passed around as a line mapper)', () => {
    const r = new SecretRedactor();
    r.remember(['sk-canary-123']);
    const { redact } = r;
    expect(['x sk-canary-123'].map(redact)).to.deep.equal(['x [redacted]']);
  });
});
