import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/Confirm.js';
import { OAuthConnections } from '../components/OAuthConnections.js';
import { LoadError, Status } from '../components/Status.js';
import { useAction, useLoad } from '../hooks.js';
import type { Session } from '../session.js';
import type { ServerInfo } from '../types.js';

/** Names only: the API never returns a secret value, and the value field is cleared once sent. */
export function SecretsPage(props: { session: Session }) {
  const { api } = props.session;
  const admin = props.session.role === 'admin';
  const [user, setUser] = useState(admin ? 'default' : (props.session.username ?? ''));
  const query = admin ? `?username=${encodeURIComponent(user)}` : '';
  const secrets = useLoad(
    () =>
      api
        .get<{ secrets: Array<{ serverName: string; secretNames: string[] }> }>(`/secrets${query}`)
        .then((r) => r.secrets),
    [query],
  );
  const servers = useLoad(
    () => api.get<{ servers: ServerInfo[] }>('/mcp/servers').then((r) => r.servers),
    [api],
  );
  const [server, setServer] = useState('');
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const action = useAction();
  const who = admin ? { username: user } : {};
  const remote = (servers.data ?? []).filter((s) => s.transportType === 'streamable_http').map((s) => s.name);
  const chosenServer = server || servers.data?.[0]?.name || '';

  const set = (e: Event): void => {
    e.preventDefault();
    void action.run(async () => {
      await api.send('POST', '/secrets/set', {
        ...who,
        serverName: chosenServer,
        secretName: name,
        secretValue: value,
      });
      setValue('');
      secrets.reload();
      return `Saved secret ${name} for ${chosenServer}`;
    });
  };
  const remove = (serverName: string, secretName: string): Promise<void> =>
    action.run(async () => {
      await api.send('POST', '/secrets/delete', { ...who, serverName, secretName });
      secrets.reload();
      return `Deleted secret ${secretName} of ${serverName}`;
    });

  return (
    <section aria-labelledby="secrets-title">
      <h1 id="secrets-title">{admin ? 'Secrets' : 'My secrets'}</h1>
      {admin && (
        <p>
          <label for="secrets-user">Show and set secrets of user</label>{' '}
          <input id="secrets-user" value={user} onChange={(x) => setUser(x.currentTarget.value)} />
        </p>
      )}
      <LoadError error={secrets.error} />
      <Status message={action.message} error={action.error} />
      {secrets.data && secrets.data.length === 0 && <p>No secrets stored.</p>}
      <ul class="secrets">
        {(secrets.data ?? []).flatMap((s) =>
          s.secretNames.map((n) => (
            <li key={`${s.serverName}/${n}`} data-secret={`${s.serverName}/${n}`}>
              <strong>{s.serverName}</strong> / <code>{n}</code>{' '}
              <ConfirmButton
                label={`Delete ${n} of ${s.serverName}`}
                confirmLabel={`Yes, delete ${n}`}
                question={`Delete secret ${n}?`}
                onConfirm={() => void remove(s.serverName, n)}
              />
            </li>
          )),
        )}
      </ul>
      <h2>Set a secret</h2>
      <form class="form" onSubmit={set}>
        <label for="secret-server">Server</label>
        <select id="secret-server" value={chosenServer} onChange={(x) => setServer(x.currentTarget.value)}>
          {(servers.data ?? []).map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
        <label for="secret-name">Secret name</label>
        <input id="secret-name" required value={name} onInput={(x) => setName(x.currentTarget.value)} />
        <label for="secret-value">Secret value</label>
        <input
          id="secret-value"
          type="password"
          autocomplete="off"
          required
          value={value}
          onInput={(x) => setValue(x.currentTarget.value)}
        />
        <button type="submit" disabled={action.busy || !chosenServer}>
          Save secret
        </button>
      </form>
      <OAuthConnections api={api} servers={remote} {...(admin ? { username: user } : {})} />
    </section>
  );
}
