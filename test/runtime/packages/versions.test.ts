import { expect } from 'chai';
import {
  comparePep440,
  compareSemver,
  isNewer,
  isPep440Prerelease,
  isSemverPrerelease,
} from '../../../src/runtime/packages/versions.js';

const sign = (n: number | undefined): number | undefined => (n === undefined ? undefined : Math.sign(n));

describe('compareSemver', () => {
  const ascending = [
    '0.9.9',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.10.0',
    '2.0.0',
  ];
  it('orders versions by semver 2.0 precedence, prereleases included', () => {
    for (let i = 0; i + 1 < ascending.length; i++) {
      expect(
        sign(compareSemver(ascending[i]!, ascending[i + 1]!)),
        `${ascending[i]} < ${ascending[i + 1]}`,
      ).to.equal(-1);
      expect(sign(compareSemver(ascending[i + 1]!, ascending[i]!))).to.equal(1);
    }
  });
  it('ignores build metadata and a leading v, and refuses garbage', () => {
    expect(compareSemver('1.0.0+build.5', 'v1.0.0')).to.equal(0);
    expect(compareSemver('1.0', '1.0.0')).to.equal(undefined);
    expect(compareSemver('latest', '1.0.0')).to.equal(undefined);
    expect(compareSemver('01.0.0', '1.0.0')).to.equal(undefined);
  });
  it('knows prereleases', () => {
    expect(isSemverPrerelease('1.0.0-rc.1')).to.equal(true);
    expect(isSemverPrerelease('1.0.0')).to.equal(false);
  });
});

describe('comparePep440', () => {
  const ascending = [
    '0.9',
    '1.0.dev0',
    '1.0a1',
    '1.0a2.dev1',
    '1.0a2',
    '1.0b1',
    '1.0rc1',
    '1.0',
    '1.0.post1.dev0',
    '1.0.post1',
    '1.0.1',
    '1.1',
    '1!0.1',
  ];
  it('orders versions as PEP 440 does: dev < pre < release < post, epochs first', () => {
    for (let i = 0; i + 1 < ascending.length; i++) {
      expect(
        sign(comparePep440(ascending[i]!, ascending[i + 1]!)),
        `${ascending[i]} < ${ascending[i + 1]}`,
      ).to.equal(-1);
      expect(sign(comparePep440(ascending[i + 1]!, ascending[i]!))).to.equal(1);
    }
  });
  it('normalizes spellings and trailing zeros', () => {
    expect(comparePep440('1.0.0', '1')).to.equal(0);
    expect(comparePep440('1.0-alpha1', '1.0a1')).to.equal(0);
    expect(comparePep440('1.0c1', '1.0rc1')).to.equal(0);
    expect(comparePep440('1.0-1', '1.0.post1')).to.equal(0);
    expect(comparePep440('V2.0', '2.0')).to.equal(0);
    expect(sign(comparePep440('1.0+local.1', '1.0'))).to.equal(1);
    expect(comparePep440('not a version', '1.0')).to.equal(undefined);
  });
  it('knows prereleases', () => {
    expect(isPep440Prerelease('2.0rc1')).to.equal(true);
    expect(isPep440Prerelease('2.0.dev3')).to.equal(true);
    expect(isPep440Prerelease('2.0.post1')).to.equal(false);
  });
});

describe('isNewer', () => {
  it('claims an update only when the latest is strictly newer and both parse', () => {
    expect(isNewer('semver', '1.1.0', '1.0.0')).to.equal(true);
    expect(isNewer('semver', '1.0.0', '1.0.0-rc.1')).to.equal(true);
    expect(isNewer('semver', '1.9.0', '2.0.0-beta.1')).to.equal(false);
    expect(isNewer('semver', 'garbage', '1.0.0')).to.equal(false);
    expect(isNewer('pep440', '2.0', '1.10')).to.equal(true);
    expect(isNewer('pep440', '1.10', '1.9')).to.equal(true);
    expect(isNewer('pep440', '1.0', '1.0.post1')).to.equal(false);
  });
});
