/** The access policy's rule shape (GET/PUT /policy) and which rules name a user. */
export interface Rule {
  readonly id: string;
  readonly effect: 'allow' | 'deny';
  readonly subjects: readonly string[];
  readonly server: string;
  readonly kind: 'tool' | 'resource' | 'prompt' | '*';
  readonly name: string;
}

/** `*` is the only wildcard, every other character literal (as the gateway's own matcher). */
export function globMatch(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const first = parts[0] ?? '';
  const last = parts.at(-1) ?? '';
  if (!value.startsWith(first) || value.length < first.length + last.length || !value.endsWith(last))
    return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > value.length - last.length) return false;
    at = found + part.length;
  }
  return true;
}

/**
 * The rules whose subjects include this user (by name or one of their groups): what the policy
 * weighs for them. Deciding stays with the gateway (POST /policy/check, GET /mcp/tools?username=).
 */
export function rulesFor(rules: readonly Rule[], username: string, groups: readonly string[]): Rule[] {
  const names = (s: string): boolean =>
    s === '*' ||
    (s.startsWith('user:') && globMatch(s.slice(5), username)) ||
    (s.startsWith('group:') && groups.some((g) => globMatch(s.slice(6), g)));
  return rules.filter((r) => r.subjects.some(names));
}

export const describeRule = (r: Rule): string =>
  `${r.effect} ${r.subjects.join(', ')} ${r.kind === '*' ? 'anything' : `${r.kind}s`} ${r.name} on ${r.server}`;
