/**
 * Small, pure version comparators: semver 2.0 precedence (npm) and the PEP 440 ordering (pip),
 * both prerelease-aware. They return undefined for strings they cannot parse, so callers never
 * claim an update from garbage.
 */
import { linearRegExp } from '../../regex/linearRegExp.js';

interface SemVer {
  readonly core: readonly [number, number, number];
  readonly pre: readonly (string | number)[];
}

// Versions come from registries and callers: parsed in RE2 (linear time, see regex/linearRegExp.ts).
const SEMVER = linearRegExp(
  [
    String.raw`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)`, // major.minor.patch
    String.raw`(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?`, // -prerelease
    String.raw`(?:\+[0-9A-Za-z.-]+)?$`, // +build
  ].join(''),
);

export function parseSemver(v: string): SemVer | undefined {
  const m = SEMVER.exec(v.trim());
  if (!m) return undefined;
  const pre = m[4] ? m[4].split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id)) : [];
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre };
}

/** Semver precedence: negative if a < b, 0 if equal, positive if a > b; undefined if either is not semver. */
export function compareSemver(a: string, b: string): number | undefined {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < 3; i++)
    if (x.core[i] !== y.core[i]) return (x.core[i] as number) - (y.core[i] as number);
  // a release outranks its prereleases
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    if (typeof p === 'number') return -1; // numeric identifiers rank below alphanumeric ones
    if (typeof q === 'number') return 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

export const isSemverPrerelease = (v: string): boolean => (parseSemver(v)?.pre.length ?? 0) > 0;

interface Pep440 {
  readonly epoch: number;
  readonly release: readonly number[];
  readonly pre?: readonly [number, number];
  readonly post?: number;
  readonly dev?: number;
  readonly local?: string;
}

const PEP440 = linearRegExp(
  [
    String.raw`^v?(?:(\d+)!)?(\d+(?:\.\d+)*)`, // epoch!release
    String.raw`(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?`, // pre-release
    String.raw`(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?`, // post-release
    String.raw`(?:[-_.]?(dev)[-_.]?(\d+)?)?`, // dev release
    String.raw`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$`, // +local
  ].join(''),
  'i',
);
const PRE_RANK: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };

export function parsePep440(v: string): Pep440 | undefined {
  const m = PEP440.exec(v.trim());
  if (!m) return undefined;
  const release = (m[2] as string).split('.').map(Number);
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  const post = m[5] !== undefined ? Number(m[5]) : m[6] !== undefined ? Number(m[7] ?? 0) : undefined;
  return {
    epoch: Number(m[1] ?? 0),
    release,
    ...(m[3] ? { pre: [PRE_RANK[m[3].toLowerCase()] as number, Number(m[4] ?? 0)] as const } : {}),
    ...(post === undefined ? {} : { post }),
    ...(m[8] ? { dev: Number(m[9] ?? 0) } : {}),
    ...(m[10] ? { local: m[10].toLowerCase() } : {}),
  };
}

const cmp = (a: number, b: number): number => (a === b ? 0 : a < b ? -1 : 1);

/** PEP 440 ordering: 1.0.dev0 < 1.0a1 < 1.0b2.dev1 < 1.0rc1 < 1.0 < 1.0.post1 < 1.1; undefined if unparseable. */
export function comparePep440(a: string, b: string): number | undefined {
  const x = parsePep440(a);
  const y = parsePep440(b);
  if (!x || !y) return undefined;
  if (x.epoch !== y.epoch) return cmp(x.epoch, y.epoch);
  for (let i = 0; i < Math.max(x.release.length, y.release.length); i++) {
    const d = cmp(x.release[i] ?? 0, y.release[i] ?? 0);
    if (d !== 0) return d;
  }
  // A dev release with no pre/post sorts before every prerelease of the same release.
  const preKey = (v: Pep440): [number, number] =>
    v.pre
      ? [v.pre[0], v.pre[1]]
      : v.post === undefined && v.dev !== undefined
        ? [-Infinity, 0]
        : [Infinity, 0];
  const [xp, yp] = [preKey(x), preKey(y)];
  if (xp[0] !== yp[0]) return cmp(xp[0], yp[0]);
  if (xp[1] !== yp[1]) return cmp(xp[1], yp[1]);
  const d = cmp(x.post ?? -Infinity, y.post ?? -Infinity);
  if (d !== 0) return d;
  const e = cmp(x.dev ?? Infinity, y.dev ?? Infinity);
  if (e !== 0) return e;
  if (x.local === y.local) return 0;
  if (x.local === undefined) return -1;
  if (y.local === undefined) return 1;
  return x.local < y.local ? -1 : 1;
}

export const isPep440Prerelease = (v: string): boolean => {
  const p = parsePep440(v);
  return p !== undefined && (p.pre !== undefined || p.dev !== undefined);
};

export type VersionScheme = 'semver' | 'pep440';

/** Whether `latest` is strictly newer than `current` under the scheme; false when either is unparseable. */
export function isNewer(scheme: VersionScheme, latest: string, current: string): boolean {
  const d = scheme === 'semver' ? compareSemver(latest, current) : comparePep440(latest, current);
  return d !== undefined && d > 0;
}
