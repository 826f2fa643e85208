import { ServerForm } from '../components/ServerForm.js';
import { LoadError } from '../components/Status.js';
import { useLoad } from '../hooks.js';
import { useLogFollow } from '../logFollow.js';
import type { Session } from '../session.js';
import type { ServerInfo } from '../types.js';

/** Status and tools by polling the GET; log lines are pushed (useLogFollow). */
const POLL_MS = 3000;

export function ServerPage(props: { session: Session; name: string }) {
  const { api } = props.session;
  const path = `/mcp/servers/${encodeURIComponent(props.name)}`;
  const server = useLoad(() => api.get<{ server: ServerInfo }>(path).then((r) => r.server), [path], POLL_MS);
  const s = server.data;
  const admin = props.session.role === 'admin';
  const logs = useLogFollow(api, props.name, admin);
  return (
    <section aria-labelledby="server-title">
      <p>
        <a href="#/servers">All servers</a>
      </p>
      <h1 id="server-title">Server {props.name}</h1>
      <LoadError error={server.error} />
      {s && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <span class={`badge ${s.status}`}>{s.status}</span> {s.statusMessage ?? ''}
            </dd>
            <dt>Enabled</dt>
            <dd>{s.enabled ? 'yes' : 'no'}</dd>
            <dt>Transport</dt>
            <dd>{s.transportType === 'stdio' ? `${s.command ?? ''} ${(s.args ?? []).join(' ')}` : s.url}</dd>
            <dt>Restarts</dt>
            <dd>{s.restarts}</dd>
            <dt>Secret names</dt>
            <dd>{(s.secretNames ?? []).join(', ') || 'none'}</dd>
          </dl>
          <h2>Tools ({s.toolsList.length})</h2>
          {s.toolsList.length === 0 && <p>No tools (the server is not connected, or has none).</p>}
          <ul class="tools">
            {s.toolsList.map((t) => (
              <li key={t.name}>
                <h3>{t.name}</h3>
                {t.description && <p>{t.description}</p>}
                <details>
                  <summary>Input schema of {t.name}</summary>
                  <pre>{JSON.stringify(t.inputSchema ?? {}, null, 2)}</pre>
                </details>
                <a href={`#/playground/${encodeURIComponent(s.name)}`}>Call {t.name} in the playground</a>
              </li>
            ))}
          </ul>
          <h2>Recent logs</h2>
          {admin && <p class="hint">Log stream: {logs.state}</p>}
          <pre class="logs" aria-label={`Recent logs of ${s.name}`} aria-live="off" tabIndex={0}>
            {!admin
              ? '(logs are shown to admins only)'
              : logs.lines.length
                ? logs.lines.join('\n')
                : '(no output yet)'}
          </pre>
          {admin && (
            <details class="panel">
              <summary>Edit {s.name}</summary>
              <ServerForm session={props.session} existing={s} onSaved={() => server.reload()} />
            </details>
          )}
        </>
      )}
    </section>
  );
}
