/**
 * The access policy: which users and groups may see and use which servers, tools, resources and
 * prompts. Pure (no I/O, no clock): rules in, decision out. REST, /mcp and every list use this one
 * function through the `Access` port (access.ts), so a cell of the policy matrix cannot be decided
 * one way in one place and another way elsewhere.
 */
export type ItemKind = 'tool' | 'resource' | 'prompt';

/** What is asked about: one item (tool, resource or prompt) of one server. */
export interface AccessTarget {
  readonly server: string;
  readonly kind: ItemKind;
  readonly name: string;
}

/** Who asks: a user and the groups they belong to (admin-set and from the identity provider). */
export interface PolicySubject {
  readonly username: string;
  readonly groups: readonly string[];
}

/**
 * One rule. Patterns use `*` as the only wildcard (any run of characters, including none); every
 * other character is literal, so an admin-written pattern can never be a costly regex.
 * `subjects`: `*` (everyone), `user:<pattern>` or `group:<pattern>`.
 */
export interface PolicyRule {
  readonly id: string;
  readonly effect: 'allow' | 'deny';
  readonly subjects: readonly string[];
  readonly server: string;
  readonly kind: ItemKind | '*';
  readonly name: string;
}

export interface PolicyDecision {
  readonly allowed: boolean;
  /** The deciding rule; absent when no rule matched (no rules at all, or no allow rule for this subject). */
  readonly ruleId?: string;
  readonly reason: 'no-rules' | 'allowed' | 'denied' | 'no-matching-allow';
}

/**
 * `*` matches any run of characters; everything else literally. Greedy, backtracking only to the
 * last star: O(pattern × value) at worst, never exponential.
 */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === value[v]) {
      p += 1;
      v += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      mark = v;
      p += 1;
    } else if (star !== -1) {
      p = star + 1;
      mark += 1;
      v = mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

export function subjectMatches(pattern: string, subject: PolicySubject): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('user:')) return globMatch(pattern.slice(5), subject.username);
  if (pattern.startsWith('group:')) {
    const group = pattern.slice(6);
    return subject.groups.some((g) => globMatch(group, g));
  }
  return false;
}

export function ruleMatches(rule: PolicyRule, subject: PolicySubject, target: AccessTarget): boolean {
  return (
    (rule.kind === '*' || rule.kind === target.kind) &&
    globMatch(rule.server, target.server) &&
    globMatch(rule.name, target.name) &&
    rule.subjects.some((s) => subjectMatches(s, subject))
  );
}

/**
 * Whether a subject may use anything of one kind on one server (who is told that the server's list of
 * that kind changed): no rules, or some allow rule could match an item there, and no deny rule covers
 * every item (name `*`).
 */
export function mayUseAny(
  rules: readonly PolicyRule[],
  subject: PolicySubject,
  server: string,
  kind: ItemKind,
): boolean {
  if (rules.length === 0) return true;
  const applies = (rule: PolicyRule): boolean =>
    (rule.kind === '*' || rule.kind === kind) &&
    globMatch(rule.server, server) &&
    rule.subjects.some((s) => subjectMatches(s, subject));
  if (rules.some((r) => r.effect === 'deny' && r.name === '*' && applies(r))) return false;
  return rules.some((r) => r.effect === 'allow' && applies(r));
}

/**
 * No rules: everyone may use everything (the behaviour before policies existed). With rules: a
 * matching deny wins over any allow, and anything no allow rule covers is denied.
 */
export function decide(
  rules: readonly PolicyRule[],
  subject: PolicySubject,
  target: AccessTarget,
): PolicyDecision {
  if (rules.length === 0) return { allowed: true, reason: 'no-rules' };
  let allow: PolicyRule | undefined;
  for (const rule of rules) {
    if (!ruleMatches(rule, subject, target)) continue;
    if (rule.effect === 'deny') return { allowed: false, ruleId: rule.id, reason: 'denied' };
    allow ??= rule;
  }
  return allow
    ? { allowed: true, ruleId: allow.id, reason: 'allowed' }
    : { allowed: false, reason: 'no-matching-allow' };
}
