import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { useAction, useLoad } from '../hooks.js';
import { ConfirmButton } from './Confirm.js';
import { LoadError, Status } from './Status.js';

interface OAuthStatus {
  readonly serverName: string;
  readonly connected: boolean;
  readonly reauthRequired: boolean;
  readonly expiresAt?: string;
  readonly scopes?: string[];
}

/** While a sign-in runs in another tab, the page looks again this often until it sees the account. */
const WAITING_POLL_MS = 2000;

/**
 * The user's own accounts at remote servers (docs/connect-api.md). Connecting happens at the
 * server's authorization server in another tab; this page only starts it and reads the outcome,
 * so no upstream token ever reaches the browser.
 */
export function OAuthConnections(props: { api: Api; servers: string[]; username?: string }) {
  const { api, servers } = props;
  const query = props.username === undefined ? '' : `?username=${encodeURIComponent(props.username)}`;
  const [waitingFor, setWaitingFor] = useState<string | undefined>(undefined);
  const [link, setLink] = useState<{ server: string; url: string } | undefined>(undefined);
  const statuses = useLoad(
    () =>
      Promise.all(
        servers.map((s) => api.get<OAuthStatus>(`/mcp/servers/${encodeURIComponent(s)}/oauth${query}`)),
      ),
    [servers.join('\n'), query],
    waitingFor === undefined ? undefined : WAITING_POLL_MS,
  );
  const action = useAction();
  const { reload } = statuses;
  useEffect(() => {
    // Coming back from the sign-in tab is the usual moment the answer changed.
    window.addEventListener('focus', reload);
    return () => window.removeEventListener('focus', reload);
  }, [reload]);
  useEffect(() => {
    if (waitingFor && statuses.data?.some((s) => s.serverName === waitingFor && s.connected)) {
      setWaitingFor(undefined);
      setLink(undefined);
    }
  }, [statuses.data, waitingFor]);

  const connect = (server: string): Promise<void> =>
    action.run(async () => {
      // Same-origin fetch: the answer also sets the cookie that ties the sign-in to this browser.
      const body = props.username === undefined ? {} : { username: props.username };
      const { url } = await api.send<{ url: string }>(
        'POST',
        `/mcp/servers/${encodeURIComponent(server)}/oauth/connect`,
        body,
      );
      setLink({ server, url });
      setWaitingFor(server);
      window.open(url, '_blank', 'noopener');
      return undefined;
    });
  const disconnect = (server: string): Promise<void> =>
    action.run(async () => {
      await api.send('DELETE', `/mcp/servers/${encodeURIComponent(server)}/oauth${query}`);
      reload();
      return `Disconnected ${server}`;
    });

  return (
    <section aria-labelledby="connections-title">
      <h2 id="connections-title">Connected accounts</h2>
      <p>Remote servers that ask you to sign in with your own account there.</p>
      <LoadError error={statuses.error} />
      <Status
        message={waitingFor ? `Sign in to ${waitingFor} in the new tab, then come back here` : action.message}
        error={action.error}
      />
      {link && (
        <p>
          No new tab?{' '}
          <a href={link.url} target="_blank" rel="noopener noreferrer">
            Open the sign-in page for {link.server}
          </a>
        </p>
      )}
      {servers.length === 0 && <p>No remote servers.</p>}
      <ul class="connections">
        {(statuses.data ?? []).map((s) => (
          <li key={s.serverName} data-connection={s.serverName} aria-label={`Account at ${s.serverName}`}>
            <strong>{s.serverName}</strong>: <span data-testid="connection-state">{stateText(s)}</span>
            {s.connected && s.expiresAt && <> (access expires {new Date(s.expiresAt).toLocaleString()})</>}
            {s.scopes && s.scopes.length > 0 && <> scopes: {s.scopes.join(' ')}</>}{' '}
            <button type="button" disabled={action.busy} onClick={() => void connect(s.serverName)}>
              {s.connected && !s.reauthRequired ? `Reconnect ${s.serverName}` : `Connect ${s.serverName}`}
            </button>{' '}
            {s.connected && (
              <ConfirmButton
                label={`Disconnect ${s.serverName}`}
                confirmLabel={`Yes, disconnect ${s.serverName}`}
                question={`Disconnect your account at ${s.serverName}?`}
                disabled={action.busy}
                onConfirm={() => void disconnect(s.serverName)}
              />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function stateText(s: OAuthStatus): string {
  if (s.reauthRequired) return 'reconnect needed';
  return s.connected ? 'connected' : 'not connected';
}
