/**
 * Pure validators for everything that ends up on an npm or pip command line or in a path. Each
 * returns undefined when the value is acceptable, or why it is not (never quoting the value).
 * They are strict on purpose: only plain registry names and versions pass, never an option
 * (leading "-"), a URL, a git/file/path spec, an alias, whitespace tricks or non-ASCII look-alikes.
 */
import { linearRegExp } from '../regex/linearRegExp.js';
export type Problem = string | undefined;

const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const NPM_RESERVED = new Set(['node_modules', 'favicon.ico']);

/**
 * npm's rules for new package names (lower case, URL-safe, ≤ 214, optional @scope/), and no leading "-", "." or
 * "_".
 */
export function npmNameProblem(name: string): Problem {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 214) return 'must be at most 214 characters';
  if (!NPM_NAME.test(name)) {
    return (
      'must be an npm package name: lower-case letters, digits, "-", ".", "_", "~", optionally "@scope/", ' +
      'starting with a letter or digit'
    );
  }
  const bare = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  if (NPM_RESERVED.has(bare)) return 'is a reserved npm name';
  return undefined;
}

const NUM = '(?:0|[1-9]\\d*)';
const IDENT = '[0-9A-Za-z-]+';
const PRE = `(?:-${IDENT}(?:\\.${IDENT})*)?`;
const BUILD = `(?:\\+${IDENT}(?:\\.${IDENT})*)?`;
// Validators see untrusted input: every pattern here runs in RE2 (linear time, see regex/linearRegExp.ts).
const SEMVER = linearRegExp(`^v?${NUM}\\.${NUM}\\.${NUM}${PRE}${BUILD}$`);
const PART = `(?:${NUM}|[xX*])`;
const PARTIAL = `v?${PART}(?:\\.${PART}(?:\\.${PART}${PRE}${BUILD})?)?`;
const COMPARATOR = linearRegExp(`^(?:<=|>=|<|>|=|~>?|\\^)?${PARTIAL}$`);
const DIST_TAG = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

export const isExactSemver = (v: string): boolean => SEMVER.test(v);
/**
 * A dist-tag cannot look like a version or range (npm's own rule), so it starts with a letter other than a lone
 * v+digit.
 */
export const isDistTag = (v: string): boolean => DIST_TAG.test(v) && !/^v\d/.test(v) && !/^[xX]$/.test(v);

/** An exact semver version, a semver range (^1.2.0, ~1, >=1 <2, 1.x || 2, 1.0.0 - 2.0.0, *) or a dist-tag. */
export function npmVersionProblem(version: string): Problem {
  if (version.length === 0) return 'must not be empty';
  if (version.length > 256) return 'must be at most 256 characters';
  if (isExactSemver(version) || isDistTag(version)) return undefined;
  if (!/^[0-9A-Za-z.+^~<>=*| -]+$/.test(version) || version.startsWith('-') || version.trim() !== version) {
    return 'must be a semver version, range or dist-tag';
  }
  for (const raw of version.split('||')) {
    const set = raw.trim().replace(/(<=|>=|<|>|=|~>?|\^)\s+/g, '$1');
    const hyphen = set.split(/\s+-\s+/);
    const parts = hyphen.length === 2 ? hyphen : set.split(/\s+/);
    if (set === '' || hyphen.length > 2 || parts.some((c) => !COMPARATOR.test(c)))
      return 'must be a semver version, range or dist-tag';
  }
  return undefined;
}

const PYPI_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** PEP 508 names (letters, digits, ".", "_", "-", starting and ending with a letter or digit), ≤ 200. */
export function pypiNameProblem(name: string): Problem {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 200) return 'must be at most 200 characters';
  if (!PYPI_NAME.test(name))
    return 'must be a PyPI project name: letters, digits, ".", "_", "-", starting and ending with a letter or digit';
  return undefined;
}

/** PEP 503 normalized form: runs of -_. become "-", lower case. */
export const normalizePypiName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

export const PEP440 = linearRegExp(
  [
    String.raw`^v?(?:\d+!)?\d+(?:\.\d+)*`, // epoch!release
    String.raw`(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?`, // pre-release
    String.raw`(?:-\d+|[-_.]?(?:post|rev|r)[-_.]?\d*)?`, // post-release
    String.raw`(?:[-_.]?dev[-_.]?\d*)?`, // dev release
    String.raw`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$`, // +local
  ].join(''),
  'i',
);
// Nested optional parts: catastrophic backtracking in a RegExp (62 characters took 13 s), linear in RE2.
const SPECIFIER = linearRegExp(
  [
    String.raw`^(?:~=|==|!=|<=|>=|<|>)\s*v?\d+(?:\.\d+)*(?:\.\*)?`, // operator and release (maybe .*)
    String.raw`(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview|post|rev|r|dev)[-_.]?\d*)*`, // pre, post, dev parts
    String.raw`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$`, // +local
  ].join(''),
  'i',
);
const REQUIREMENT = linearRegExp(
  String.raw`^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(\[[A-Za-z0-9._-]+(?:,[A-Za-z0-9._-]+)*\])?(.*)$`,
);

export const isPep440Version = (v: string): boolean => v.length <= 128 && PEP440.test(v);

/** A PEP 440 version (installed as name==version) or a specifier set such as ">=1.2,<2". */
export function pipVersionProblem(version: string): Problem {
  if (version.length === 0) return 'must not be empty';
  if (version.length > 256) return 'must be at most 256 characters';
  if (isPep440Version(version)) return undefined;
  const clauses = version.split(',').map((c) => c.trim());
  if (clauses.every((c) => SPECIFIER.test(c))) return undefined;
  return 'must be a PEP 440 version (1.2.3, 1.0rc1) or specifiers (>=1.2,<2)';
}

/**
 * Extra requirements for a Python install: a name with optional [extras] and specifiers; no URLs, markers or
 * options.
 */
export function pipRequirementProblem(req: string): Problem {
  const match = REQUIREMENT.exec(req);
  if (!match || req.length > 256) return 'must be a requirement such as name, name[extra] or name>=1.2';
  const rest = (match[3] ?? '').trim();
  if (rest === '') return undefined;
  return pipVersionProblem(rest) === undefined && !isPep440Version(rest)
    ? undefined
    : 'must be a requirement such as name, name[extra] or name>=1.2';
}

/** `python -m <module>`: dotted Python identifiers. */
export function pythonModuleProblem(module: string): Problem {
  if (module.length === 0 || module.length > 200) return 'must be 1-200 characters';
  return /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(module)
    ? undefined
    : 'must be a dotted Python module name';
}

/**
 * Package index / registry URLs: absolute http(s), no embedded credentials (they would be stored in
 * the event log in plain text), no whitespace or control characters.
 */
export function indexUrlProblem(raw: string): Problem {
  if (raw.length > 2048) return 'must be at most 2048 characters';
  if (!/^https?:\/\/[\x21-\x7e]+$/i.test(raw)) return 'must be an http(s) URL';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (url.username || url.password)
    return 'must not contain credentials (they would be stored in plain text)';
  return undefined;
}
