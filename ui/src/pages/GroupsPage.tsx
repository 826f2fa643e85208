import { useState } from 'preact/hooks';
import { LoadError, Status } from '../components/Status.js';
import { useAction, useLoad } from '../hooks.js';
import type { Session } from '../session.js';

export interface UserInfo {
  readonly username: string;
  readonly source: string;
  readonly groups: readonly string[];
  readonly idpGroups?: readonly string[];
  readonly effectiveGroups: readonly string[];
  readonly registeredAt?: string;
  readonly lastSignInAt?: string;
}

const splitGroups = (text: string): string[] =>
  [...new Set(text.split(',').map((g) => g.trim()))].filter((g) => g !== '');

/**
 * Users and their groups (GET /users, POST /users, PUT /users/:username/groups). Groups are the
 * roles the access policy speaks of: admin-set ones here, plus the identity provider's at the
 * last sign-in (shown, not editable). The admin role itself is the admin token.
 */
export function GroupsPage(props: { session: Session }) {
  const { api } = props.session;
  const users = useLoad(() => api.get<{ users: UserInfo[] }>('/users').then((r) => r.users), [api]);
  const action = useAction();
  const [username, setUsername] = useState('');
  const [groups, setGroups] = useState('');
  const [editing, setEditing] = useState<Record<string, string>>({});

  const register = (e: Event): void => {
    e.preventDefault();
    void action.run(async () => {
      await api.send('POST', '/users', { username, groups: splitGroups(groups) });
      users.reload();
      setUsername('');
      setGroups('');
      return `Registered ${username}`;
    });
  };
  const saveGroups = (user: string, e: Event): void => {
    e.preventDefault();
    void action.run(async () => {
      const next = splitGroups(editing[user] ?? '');
      await api.send('PUT', `/users/${encodeURIComponent(user)}/groups`, { groups: next });
      users.reload();
      return `Saved the groups of ${user}`;
    });
  };
  const members = new Map<string, string[]>();
  for (const u of users.data ?? [])
    for (const g of u.effectiveGroups) members.set(g, [...(members.get(g) ?? []), u.username]);

  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title">Users and groups</h1>
      <LoadError error={users.error} />
      <Status message={action.message} error={action.error} />
      <h2>Register a user</h2>
      <form class="form" onSubmit={register}>
        <label for="new-user">Username</label>
        <input id="new-user" required value={username} onInput={(x) => setUsername(x.currentTarget.value)} />
        <label for="new-user-groups">Groups (comma-separated)</label>
        <input id="new-user-groups" value={groups} onInput={(x) => setGroups(x.currentTarget.value)} />
        <button type="submit" disabled={action.busy}>
          Register user
        </button>
      </form>
      <h2>Users</h2>
      {users.data?.length === 0 && <p>No users registered yet (users also appear on their first sign-in).</p>}
      <table>
        <caption>Groups set here, groups from the identity provider, and the sum the policy uses</caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Registered by</th>
            <th scope="col">Groups (set here)</th>
            <th scope="col">From the identity provider</th>
            <th scope="col">Last sign-in</th>
          </tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((u) => (
            <tr key={u.username} data-user={u.username}>
              <th scope="row">{u.username}</th>
              <td>{u.source}</td>
              <td>
                <form class="form inline" onSubmit={(e) => saveGroups(u.username, e)}>
                  <label for={`groups-${u.username}`}>Groups of {u.username}</label>
                  <input
                    id={`groups-${u.username}`}
                    value={editing[u.username] ?? u.groups.join(', ')}
                    onInput={(x) => setEditing({ ...editing, [u.username]: x.currentTarget.value })}
                  />
                  <button type="submit" disabled={action.busy}>
                    Save groups of {u.username}
                  </button>
                </form>
              </td>
              <td>{(u.idpGroups ?? []).join(', ') || '-'}</td>
              <td>{u.lastSignInAt ?? 'never'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Groups</h2>
      {members.size === 0 && <p>No groups yet.</p>}
      <dl class="facts" aria-label="Group members">
        {[...members]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([g, who]) => [
            <dt key={`g-${g}`}>{g}</dt>,
            <dd key={`m-${g}`} data-group={g}>
              {who.join(', ')}
            </dd>,
          ])}
      </dl>
    </section>
  );
}
