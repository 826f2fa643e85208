import { expect } from 'chai';
import { decide, globMatch, type PolicyRule } from '../../src/policy/accessPolicy.js';
import { createAccess } from '../../src/policy/access.js';

const rule = (
  id: string,
  effect: 'allow' | 'deny',
  subjects: string[],
  server = '*',
  name = '*',
  kind: PolicyRule['kind'] = '*',
): PolicyRule => ({ id, effect, subjects, server, kind, name });
const tool = (server: string, name: string) => ({ server, kind: 'tool' as const, name });
const alice = { username: 'alice', groups: ['eng'] };
const bob = { username: 'bob', groups: ['ops', 'eng-leads'] };

describe('access policy (pure)', () => {
  describe('globMatch', () => {
    it('matches literally without a star, and * as any run of characters', () => {
      expect(globMatch('echo', 'echo')).to.equal(true);
      expect(globMatch('echo', 'echo2')).to.equal(false);
      expect(globMatch('*', '')).to.equal(true);
      expect(globMatch('get_*', 'get_issue')).to.equal(true);
      expect(globMatch('*_issue', 'get_issue')).to.equal(true);
      expect(globMatch('a*b*c', 'axxbyyc')).to.equal(true);
      expect(globMatch('a*b*c', 'axxbyy')).to.equal(false);
    });
    it('treats regex characters literally', () => {
      expect(globMatch('a.c', 'abc')).to.equal(false);
      expect(globMatch('a.c', 'a.c')).to.equal(true);
      expect(globMatch('(x+)+', 'xxxx')).to.equal(false);
    });
    it('answers pathological patterns (no exponential backtracking; the test timeout would catch it)', () => {
      expect(globMatch('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).to.equal(false);
    });
  });

  describe('decide', () => {
    it('allows everything while there are no rules (the behaviour before policies)', () => {
      expect(decide([], alice, tool('alpha', 'echo'))).to.deep.equal({ allowed: true, reason: 'no-rules' });
    });
    it('denies what no allow rule covers once rules exist', () => {
      const rules = [rule('eng-alpha', 'allow', ['group:eng'], 'alpha')];
      expect(decide(rules, alice, tool('alpha', 'echo')).allowed).to.equal(true);
      expect(decide(rules, alice, tool('beta', 'echo'))).to.deep.equal({
        allowed: false,
        reason: 'no-matching-allow',
      });
      expect(decide(rules, bob, tool('alpha', 'echo')).allowed).to.equal(false);
    });
    it('lets a matching deny win over any allow, in any order', () => {
      const rules = [
        rule('all', 'allow', ['*']),
        rule('no-secrets', 'deny', ['user:alice'], 'alpha', 'echo_secret'),
      ];
      expect(decide(rules, alice, tool('alpha', 'echo_secret'))).to.deep.equal({
        allowed: false,
        ruleId: 'no-secrets',
        reason: 'denied',
      });
      expect(decide([...rules].reverse(), alice, tool('alpha', 'echo_secret')).allowed).to.equal(false);
      expect(decide(rules, bob, tool('alpha', 'echo_secret')).allowed).to.equal(true);
    });
    it('matches user and group patterns with wildcards', () => {
      const rules = [
        rule('leads', 'allow', ['group:*-leads']),
        rule('a-users', 'allow', ['user:a*'], 'beta'),
      ];
      expect(decide(rules, bob, tool('alpha', 'x')).allowed).to.equal(true);
      expect(decide(rules, alice, tool('beta', 'x')).allowed).to.equal(true);
      expect(decide(rules, alice, tool('alpha', 'x')).allowed).to.equal(false);
    });
    it('applies a rule only to its kind', () => {
      const rules = [rule('prompts', 'allow', ['*'], '*', '*', 'prompt')];
      expect(decide(rules, alice, { server: 'alpha', kind: 'prompt', name: 'p' }).allowed).to.equal(true);
      expect(decide(rules, alice, tool('alpha', 'p')).allowed).to.equal(false);
    });
  });

  describe('createAccess', () => {
    it('reads rules and groups at decision time, and filters lists by name', () => {
      let rules: PolicyRule[] = [];
      const groups = new Map([['alice', ['eng']]]);
      const access = createAccess({ rules: () => rules, groupsOf: (u) => groups.get(u) ?? [] });
      const tools = [{ name: 'echo' }, { name: 'add' }];
      expect(access.filter('alice', 'alpha', 'tool', tools)).to.deep.equal(tools);
      rules = [rule('eng-add', 'allow', ['group:eng'], 'alpha', 'add')];
      expect(access.filter('alice', 'alpha', 'tool', tools)).to.deep.equal([{ name: 'add' }]);
      expect(access.filter('bob', 'alpha', 'tool', tools)).to.deep.equal([]);
      expect(() => access.assert('bob', tool('alpha', 'add'))).to.throw('may not use tool add');
    });
  });
});
