import { AppError } from '../errors.js';
import {
  decide,
  type AccessTarget,
  mayUseAny,
  type ItemKind,
  type PolicyDecision,
  type PolicyRule,
  type PolicySubject,
} from './accessPolicy.js';

/**
 * The one enforcement port: the call path (ToolCaller), the REST tool list and the /mcp catalogue
 * all ask it, by username. Built in gateway.ts over the read models (rules and group membership).
 */
export interface Access {
  decide(username: string, target: AccessTarget): PolicyDecision;
  allows(username: string, target: AccessTarget): boolean;
  /** Whether anything of this kind on this server could be allowed (who hears of its list changes). */
  mayUseAny(username: string, server: string, kind: ItemKind): boolean;
  /** Throws `access_denied` unless allowed: the call path's check. */
  assert(username: string, target: AccessTarget): void;
  /** The subset of `names` (items of one kind on one server) this user may see and use. */
  filter<T extends { readonly name: string }>(
    username: string,
    server: string,
    kind: AccessTarget['kind'],
    items: readonly T[],
  ): T[];
}

export interface AccessSources {
  readonly rules: () => readonly PolicyRule[];
  readonly groupsOf: (username: string) => readonly string[];
}

export function createAccess(sources: AccessSources): Access {
  const subject = (username: string): PolicySubject => ({ username, groups: sources.groupsOf(username) });
  const access: Access = {
    decide: (username, target) => decide(sources.rules(), subject(username), target),
    allows: (username, target) => access.decide(username, target).allowed,
    mayUseAny: (username, server, kind) => mayUseAny(sources.rules(), subject(username), server, kind),
    assert(username, target) {
      if (access.allows(username, target)) return;
      throw new AppError(
        'access_denied',
        `User ${username} may not use ${target.kind} ${target.name} of server ${target.server} (access policy)`,
        {
          serverName: target.server,
          kind: target.kind,
          name: target.name,
        },
      );
    },
    filter(username, server, kind, items) {
      const rules = sources.rules();
      if (rules.length === 0) return [...items];
      const who = subject(username);
      return items.filter((item) => decide(rules, who, { server, kind, name: item.name }).allowed);
    },
  };
  return access;
}

/** Everyone may do everything: for wiring that has no policy (unit tests of other parts). */
export const OPEN_ACCESS: Access = createAccess({ rules: () => [], groupsOf: () => [] });
