import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/Confirm.js';
import { LoadError, Status } from '../components/Status.js';
import { useAction, useLoad } from '../hooks.js';
import type { Session } from '../session.js';

interface TokenMeta {
  readonly tokenId: string;
  readonly username: string;
  readonly label?: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  readonly active: boolean;
}

/** Users are known by their tokens (the API has no other user list until the identity issue lands). */
export function UsersPage(props: { session: Session }) {
  const { api } = props.session;
  const tokens = useLoad(() => api.get<{ tokens: TokenMeta[] }>('/auth/tokens').then((r) => r.tokens), [api]);
  const action = useAction();
  const [username, setUsername] = useState('');
  const [label, setLabel] = useState('');
  const [issued, setIssued] = useState<{ username: string; token: string } | undefined>(undefined);
  const users = [...new Set((tokens.data ?? []).map((t) => t.username))].sort();

  const issue = (e: Event): void => {
    e.preventDefault();
    void action.run(async () => {
      const r = await api.send<{ token: string }>('POST', '/auth/tokens', {
        username,
        ...(label ? { label } : {}),
      });
      setIssued({ username, token: r.token });
      tokens.reload();
      return `Issued a token for ${username}`;
    });
  };
  const act = (what: string, method: 'DELETE', path: string): Promise<void> =>
    action.run(async () => {
      await api.send(method, path);
      tokens.reload();
      return what;
    });

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users and tokens</h1>
      <LoadError error={tokens.error} />
      <Status message={action.message} error={action.error} />
      <h2>Issue a token</h2>
      <form class="form" onSubmit={issue}>
        <label for="token-user">Username</label>
        <input
          id="token-user"
          required
          value={username}
          onInput={(x) => setUsername(x.currentTarget.value)}
        />
        <label for="token-label">Label (optional)</label>
        <input id="token-label" value={label} onInput={(x) => setLabel(x.currentTarget.value)} />
        <button type="submit" disabled={action.busy}>
          Issue token
        </button>
      </form>
      {issued && (
        <div class="panel" role="region" aria-label="New token">
          <p>
            Token for <strong>{issued.username}</strong>, shown once; copy it now:
          </p>
          <input
            aria-label={`New token for ${issued.username}`}
            readOnly
            value={issued.token}
            data-testid="issued-token"
          />
          <button type="button" onClick={() => setIssued(undefined)}>
            Hide token
          </button>
        </div>
      )}
      <h2>Tokens</h2>
      <table>
        <caption>Every token issued (never the token itself)</caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Label</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(tokens.data ?? []).map((t) => (
            <tr key={t.tokenId}>
              <td>{t.username}</td>
              <td>{t.label ?? ''}</td>
              <td>{t.createdAt}</td>
              <td>{t.expiresAt ?? 'never'}</td>
              <td>{t.active ? 'active' : t.revokedAt ? 'revoked' : 'expired'}</td>
              <td>
                {t.active && (
                  <ConfirmButton
                    label={`Revoke token ${t.label ?? t.tokenId} of ${t.username}`}
                    confirmLabel="Yes, revoke it"
                    question={`Revoke this token of ${t.username}?`}
                    onConfirm={() =>
                      void act(`Revoked a token of ${t.username}`, 'DELETE', `/auth/tokens/${t.tokenId}`)
                    }
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Users</h2>
      <ul>
        {users.map((u) => (
          <li key={u}>
            {u}{' '}
            <ConfirmButton
              label={`Delete user ${u}`}
              confirmLabel={`Yes, delete ${u}`}
              question={`Delete ${u}? Their secrets become unreadable and their tokens are revoked.`}
              onConfirm={() => void act(`Deleted user ${u}`, 'DELETE', `/users/${encodeURIComponent(u)}`)}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}
