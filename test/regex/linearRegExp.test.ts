import { expect } from 'chai';
import { linearRegExp } from '../../src/regex/linearRegExp.js';
import { pipRequirementProblem, pipVersionProblem } from '../../src/packages/validation.js';
import { parsePep440, parseSemver } from '../../src/runtime/packages/versions.js';

/** CPU time of `fn` in ms (user + system of this process), after one warm-up run. */
function cpuMs(fn: () => unknown): number {
  fn();
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

describe('linearRegExp (RE2)', () => {
  it('matches like RegExp for ordinary patterns, with groups and flags', () => {
    const re = linearRegExp('^v?(\\d+)\\.(\\d+)(?:-(\\w+))?$', 'i');
    expect(re.test('V1.2')).to.equal(true);
    expect(re.exec('1.2-beta')).to.deep.equal(['1.2-beta', '1', '2', 'beta']);
    expect(re.exec('1.2')).to.deep.equal(['1.2', '1', '2', undefined]);
    expect(re.exec('x')).to.equal(null);
    expect(linearRegExp('b+').test('abbbc'), 'unanchored like JSON Schema pattern').to.equal(true);
  });

  it('refuses what RE2 cannot run in linear time (backreferences, lookaround)', () => {
    expect(() => linearRegExp('(a)\\1')).to.throw();
    expect(() => linearRegExp('a(?=b)')).to.throw();
  });

  it('answers a catastrophic pattern on a hostile input within 100 ms of CPU', () => {
    const re = linearRegExp('^(a+)+$');
    const input = `${'a'.repeat(33)}b`;
    expect(cpuMs(() => re.test(input))).to.be.below(100);
    expect(re.test(input)).to.equal(false);
  });
});

describe('package version validators on ReDoS inputs', () => {
  const hostile = [
    '==1' + 'r'.repeat(60) + '!',
    '>=1' + '.post'.repeat(40) + '!',
    '1' + '-1'.repeat(60) + '!',
    'a'.repeat(60) + '[' + 'b,'.repeat(60),
  ];
  for (const input of hostile) {
    it(`rejects ${JSON.stringify(input.slice(0, 12))}… within 100 ms of CPU`, () => {
      expect(
        cpuMs(() => [
          pipVersionProblem(input),
          pipRequirementProblem(input),
          parsePep440(input),
          parseSemver(input),
        ]),
      ).to.be.below(100);
      expect(pipVersionProblem(input)).to.be.a('string');
    });
  }

  it('still accepts and parses ordinary versions', () => {
    expect(pipVersionProblem('>=1.2,<2')).to.equal(undefined);
    expect(pipVersionProblem('1.0rc1')).to.equal(undefined);
    expect(pipRequirementProblem('requests[socks]>=2.31')).to.equal(undefined);
    expect(parseSemver('1.2.3-beta.1')).to.deep.equal({ core: [1, 2, 3], pre: ['beta', 1] });
    expect(parsePep440('1.0.post2.dev3')).to.include({ post: 2, dev: 3 });
  });
});
