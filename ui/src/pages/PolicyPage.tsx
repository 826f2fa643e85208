import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/Confirm.js';
import { EffectiveRules } from '../components/EffectiveRules.js';
import { LoadError, Status } from '../components/Status.js';
import { useAction, useLoad } from '../hooks.js';
import { describeRule, type Rule } from '../policy.js';
import type { Session } from '../session.js';

const EMPTY = { id: '', effect: 'allow', subjects: '', server: '*', kind: 'tool', name: '*' };

/**
 * The access policy (GET /policy, PUT /policy replaces the whole rule set, so adding and deleting
 * here both send the full list). No rules: everyone sees everything; with rules a deny wins.
 */
export function PolicyPage(props: { session: Session }) {
  const { api } = props.session;
  const policy = useLoad(() => api.get<{ rules: Rule[]; enforced: boolean }>('/policy'), [api]);
  const action = useAction();
  const [draft, setDraft] = useState(EMPTY);
  const rules = policy.data?.rules ?? [];
  const put = (next: Rule[], what: string): Promise<void> =>
    action.run(async () => {
      await api.send('PUT', '/policy', { rules: next });
      policy.reload();
      return what;
    });
  const add = (e: Event): void => {
    e.preventDefault();
    const rule: Rule = {
      id: draft.id || `rule-${rules.length + 1}-${Math.random().toString(36).slice(2, 6)}`,
      effect: draft.effect === 'deny' ? 'deny' : 'allow',
      subjects: draft.subjects
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      server: draft.server,
      kind: draft.kind as Rule['kind'],
      name: draft.name,
    };
    void put([...rules, rule], `Added rule ${rule.id}`).then(() => setDraft(EMPTY));
  };
  const field = (key: keyof typeof EMPTY) => ({
    value: draft[key],
    onInput: (x: { currentTarget: { value: string } }) =>
      setDraft({ ...draft, [key]: x.currentTarget.value }),
  });

  return (
    <section aria-labelledby="policy-title">
      <h1 id="policy-title">Access policy</h1>
      <LoadError error={policy.error} />
      <Status message={action.message} error={action.error} />
      <p data-testid="policy-state">
        {policy.data?.enforced
          ? 'Enforced: a matching deny wins; whatever no allow rule covers is denied.'
          : 'No rules: every user sees and uses everything.'}
      </p>
      <h2>Rules</h2>
      <table>
        <caption>Subjects: *, user:pattern, group:pattern; * is the only wildcard</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Rule</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.id} data-rule={r.id}>
              <th scope="row">{r.id}</th>
              <td>{describeRule(r)}</td>
              <td>
                <ConfirmButton
                  label={`Delete rule ${r.id}`}
                  confirmLabel={`Yes, delete ${r.id}`}
                  question={`Delete rule ${r.id}?`}
                  onConfirm={() =>
                    void put(
                      rules.filter((x) => x.id !== r.id),
                      `Deleted rule ${r.id}`,
                    )
                  }
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Add a rule</h2>
      <form class="form" onSubmit={add}>
        <label for="rule-effect">Effect</label>
        <select id="rule-effect" {...field('effect')} onChange={field('effect').onInput}>
          <option value="allow">allow</option>
          <option value="deny">deny</option>
        </select>
        <label for="rule-subjects">Subjects (comma-separated: *, user:alice, group:eng)</label>
        <input id="rule-subjects" required {...field('subjects')} />
        <label for="rule-server">Server (pattern)</label>
        <input id="rule-server" required {...field('server')} />
        <label for="rule-kind">Kind</label>
        <select id="rule-kind" {...field('kind')} onChange={field('kind').onInput}>
          <option value="tool">tool</option>
          <option value="resource">resource</option>
          <option value="prompt">prompt</option>
          <option value="*">anything</option>
        </select>
        <label for="rule-name">Name (pattern)</label>
        <input id="rule-name" required {...field('name')} />
        <label for="rule-id">Rule id (optional)</label>
        <input id="rule-id" {...field('id')} />
        <button type="submit" disabled={action.busy}>
          Add rule
        </button>
      </form>
      <h2>Effective rules of a user</h2>
      <EffectiveRules api={api} rules={rules} enforced={policy.data?.enforced ?? false} />
    </section>
  );
}
