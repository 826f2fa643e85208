import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/Confirm.js';
import { LoadError, Status } from '../components/Status.js';
import { useAction, useLoad } from '../hooks.js';
import type { Session } from '../session.js';

interface Client {
  readonly clientId: string;
  readonly clientName?: string;
}

/**
 * The OAuth clients a user authorized through the gateway's sign-in (GET /auth/clients) and
 * revoking one (DELETE /auth/clients/:clientId: its grants and tokens stop working at once).
 */
export function ClientsPage(props: { session: Session }) {
  const { api } = props.session;
  const admin = props.session.role === 'admin';
  const [user, setUser] = useState('');
  const query = admin ? `?username=${encodeURIComponent(user)}` : '';
  const clients = useLoad(
    () =>
      admin && user === ''
        ? Promise.resolve([] as Client[])
        : api.get<{ clients: Client[] }>(`/auth/clients${query}`).then((r) => r.clients),
    [query],
  );
  const action = useAction();
  const revoke = (c: Client): Promise<void> =>
    action.run(async () => {
      await api.send('DELETE', `/auth/clients/${encodeURIComponent(c.clientId)}${query}`);
      clients.reload();
      return `Revoked ${c.clientName ?? c.clientId}`;
    });

  return (
    <section aria-labelledby="clients-title">
      <h1 id="clients-title">Connected clients</h1>
      <p>Applications you allowed to act as you through the gateway&apos;s sign-in (OAuth).</p>
      {admin && (
        <p>
          <label for="clients-user">Show the clients of user</label>{' '}
          <input id="clients-user" value={user} onChange={(x) => setUser(x.currentTarget.value)} />
        </p>
      )}
      <LoadError error={clients.error} />
      <Status message={action.message} error={action.error} />
      {clients.data?.length === 0 && (!admin || user !== '') && <p>No connected clients.</p>}
      <ul>
        {(clients.data ?? []).map((c) => (
          <li key={c.clientId} data-client={c.clientName ?? c.clientId}>
            <strong>{c.clientName ?? 'Unnamed client'}</strong> <code>{c.clientId}</code>{' '}
            <ConfirmButton
              label={`Revoke ${c.clientName ?? c.clientId}`}
              confirmLabel="Yes, revoke it"
              question={`Revoke ${c.clientName ?? c.clientId}? It must ask you again.`}
              onConfirm={() => void revoke(c)}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}
