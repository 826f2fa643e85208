import { useState } from 'preact/hooks';
import { errorText, type Api } from '../api.js';
import { describeRule, rulesFor, type Rule } from '../policy.js';
import type { UserInfo } from '../pages/GroupsPage.js';

interface Effective {
  readonly username: string;
  readonly groups: readonly string[];
  readonly rules: Rule[];
  readonly tools: Array<{ server: string; names: string[] }>;
}

/**
 * For one user: their groups, the rules that name them, and what the gateway lets them use
 * (GET /mcp/tools?username=, which holds the admin to that user's rules); a check of one item.
 */
export function EffectiveRules(props: { api: Api; rules: readonly Rule[]; enforced: boolean }) {
  const { api } = props;
  const [username, setUsername] = useState('');
  const [effective, setEffective] = useState<Effective | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [item, setItem] = useState({ server: '', kind: 'tool', name: '' });
  const [verdict, setVerdict] = useState<string | undefined>(undefined);

  const show = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    try {
      const who = encodeURIComponent(username);
      const user = await api.get<{ user: UserInfo }>(`/users/${who}`).then(
        (r) => r.user.effectiveGroups,
        () => [] as readonly string[],
      );
      const listed = await api.get<{ tools: Array<Record<string, Array<{ name: string }>>> }>(
        `/mcp/tools?username=${who}`,
      );
      const tools = listed.tools.flatMap((entry) =>
        Object.entries(entry).map(([server, list]) => ({ server, names: list.map((t) => t.name) })),
      );
      setEffective({ username, groups: user, rules: rulesFor(props.rules, username, user), tools });
    } catch (err) {
      setError(errorText(err));
    }
  };
  const check = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      const r = await api.send<{ allowed: boolean; reason: string; ruleId?: string }>(
        'POST',
        '/policy/check',
        {
          username,
          ...item,
        },
      );
      setVerdict(`${r.allowed ? 'Allowed' : 'Denied'} (${r.reason}${r.ruleId ? `, rule ${r.ruleId}` : ''})`);
    } catch (err) {
      setVerdict(`Could not check: ${errorText(err)}`);
    }
  };

  return (
    <>
      <form class="form inline" onSubmit={show}>
        <label for="effective-user">User</label>
        <input
          id="effective-user"
          required
          value={username}
          onInput={(x) => setUsername(x.currentTarget.value)}
        />
        <button type="submit">Show effective rules</button>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {effective && (
        <div class="panel" role="region" aria-label={`Effective rules of ${effective.username}`}>
          <p>Groups: {effective.groups.join(', ') || 'none'}</p>
          {!props.enforced && <p>No rules are set: this user may use everything.</p>}
          <ul>
            {effective.rules.map((r) => (
              <li key={r.id} data-effective-rule={r.id}>
                {r.id}: {describeRule(r)}
              </li>
            ))}
          </ul>
          {props.enforced && effective.rules.length === 0 && (
            <p>No rule names this user: nothing is allowed.</p>
          )}
          <h3>Tools {effective.username} may use</h3>
          <ul>
            {effective.tools.map((t) => (
              <li key={t.server} data-may-use={t.server}>
                <strong>{t.server}</strong>: {t.names.join(', ') || 'none'}
              </li>
            ))}
          </ul>
          <form class="form inline" onSubmit={check}>
            <label for="check-server">Server</label>
            <input
              id="check-server"
              required
              value={item.server}
              onInput={(x) => setItem({ ...item, server: x.currentTarget.value })}
            />
            <label for="check-kind">Kind</label>
            <select
              id="check-kind"
              value={item.kind}
              onChange={(x) => setItem({ ...item, kind: x.currentTarget.value })}
            >
              <option value="tool">tool</option>
              <option value="resource">resource</option>
              <option value="prompt">prompt</option>
            </select>
            <label for="check-name">Name</label>
            <input
              id="check-name"
              required
              value={item.name}
              onInput={(x) => setItem({ ...item, name: x.currentTarget.value })}
            />
            <button type="submit">Check access</button>
          </form>
          {verdict && <p role="status">{verdict}</p>}
        </div>
      )}
    </>
  );
}
