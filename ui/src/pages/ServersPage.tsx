import { ConfirmButton } from '../components/Confirm.js';
import { ServerForm } from '../components/ServerForm.js';
import { LoadError, Status } from '../components/Status.js';
import { useAction, useLoad } from '../hooks.js';
import type { Session } from '../session.js';
import type { ServerInfo } from '../types.js';

/** Live status comes from polling GET /mcp/servers: the same read model and snapshot every client sees. */
const POLL_MS = 2000;

export function ServersPage(props: { session: Session }) {
  const { api } = props.session;
  const admin = props.session.role === 'admin';
  const servers = useLoad(
    () => api.get<{ servers: ServerInfo[] }>('/mcp/servers').then((r) => r.servers),
    [api],
    POLL_MS,
  );
  const action = useAction();
  const act = (what: string, method: 'PUT' | 'DELETE', path: string): Promise<void> =>
    action.run(async () => {
      await api.send(method, path);
      servers.reload();
      return what;
    });
  return (
    <section aria-labelledby="servers-title">
      <h1 id="servers-title">Servers</h1>
      <LoadError error={servers.error} />
      <Status message={action.message} error={action.error} />
      {servers.data && servers.data.length === 0 && <p>No servers yet.</p>}
      {servers.data && servers.data.length > 0 && (
        <table>
          <caption>Registered servers (refreshed every {POLL_MS / 1000} s)</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Transport</th>
              <th scope="col">Status</th>
              <th scope="col">Enabled</th>
              <th scope="col">Tools</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {servers.data.map((s) => (
              <tr key={s.name} data-server={s.name}>
                <th scope="row">
                  <a href={`#/servers/${encodeURIComponent(s.name)}`}>{s.name}</a>
                </th>
                <td>{s.transportType}</td>
                <td>
                  <span class={`badge ${s.status}`} data-testid="server-status">
                    {s.status}
                  </span>
                  {s.statusMessage && <small> {s.statusMessage}</small>}
                </td>
                <td>{s.enabled ? 'yes' : 'no'}</td>
                <td>{s.toolsList.length}</td>
                <td class="actions">
                  <a href={`#/playground/${encodeURIComponent(s.name)}`}>Try {s.name} in the playground</a>
                  {admin && (
                    <>
                      {s.enabled ? (
                        <button
                          type="button"
                          disabled={action.busy}
                          onClick={() => act(`Disabled ${s.name}`, 'PUT', `/mcp/servers/${s.name}/disable`)}
                        >
                          Disable {s.name}
                        </button>
                      ) : (
                        <button
                          type="button"
                          disabled={action.busy}
                          onClick={() => act(`Enabled ${s.name}`, 'PUT', `/mcp/servers/${s.name}/enable`)}
                        >
                          Enable {s.name}
                        </button>
                      )}
                      <ConfirmButton
                        label={`Delete ${s.name}`}
                        confirmLabel={`Yes, delete ${s.name}`}
                        question={`Delete server ${s.name} and its users' secrets?`}
                        disabled={action.busy}
                        onConfirm={() => void act(`Deleted ${s.name}`, 'DELETE', `/mcp/servers/${s.name}`)}
                      />
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {admin && (
        <details class="panel">
          <summary>Register a server</summary>
          <ServerForm session={props.session} onSaved={() => servers.reload()} />
        </details>
      )}
    </section>
  );
}
