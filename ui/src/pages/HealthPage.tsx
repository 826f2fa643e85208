import { LoadError } from '../components/Status.js';
import { useLoad } from '../hooks.js';
import { parseMetrics, perServer } from '../metrics.js';
import type { Session } from '../session.js';

interface Readiness {
  readonly status: string;
  readonly checks: Record<string, { ok: boolean; detail: string }>;
}

/** Readiness from /readyz; calls, errors and latency per server from the gateway's own /metrics (admin). */
export function HealthPage(props: { session: Session }) {
  const { api } = props.session;
  const admin = props.session.role === 'admin';
  const ready = useLoad(
    () =>
      fetch('/readyz', { headers: { accept: 'application/json' } }).then(
        (r) => r.json() as Promise<Readiness>,
      ),
    [],
    5000,
  );
  const metrics = useLoad(
    () => (admin ? api.text('/metrics').then((t) => perServer(parseMetrics(t))) : Promise.resolve([])),
    [admin],
    5000,
  );
  return (
    <section aria-labelledby="health-title">
      <h1 id="health-title">Health</h1>
      <h2>Readiness: {ready.data?.status ?? '…'}</h2>
      <LoadError error={ready.error} />
      <ul>
        {Object.entries(ready.data?.checks ?? {}).map(([name, c]) => (
          <li key={name}>
            {c.ok ? 'ok' : 'failing'}: <strong>{name}</strong> {c.detail}
          </li>
        ))}
      </ul>
      <h2>Servers</h2>
      {!admin && <p>Per-server metrics are shown to admins.</p>}
      <LoadError error={metrics.error} />
      {admin && (
        <table>
          <caption>From /metrics, since the gateway started</caption>
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">Status</th>
              <th scope="col">Restarts</th>
              <th scope="col">Calls</th>
              <th scope="col">Errors</th>
              <th scope="col">Mean latency</th>
            </tr>
          </thead>
          <tbody>
            {(metrics.data ?? []).map((s) => (
              <tr key={s.server} data-health={s.server}>
                <th scope="row">{s.server}</th>
                <td>{s.status}</td>
                <td>{s.restarts}</td>
                <td>{s.calls}</td>
                <td>{s.errors}</td>
                <td>{s.calls > 0 ? `${((s.seconds / s.calls) * 1000).toFixed(1)} ms` : '-'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
