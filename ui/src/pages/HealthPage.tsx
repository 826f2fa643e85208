import { LoadError } from '../components/Status.js';
import { useLoad } from '../hooks.js';
import type { Session } from '../session.js';

interface Readiness {
  readonly status: string;
  readonly checks: Record<string, { ok: boolean; detail: string }>;
}

interface ServerHealth {
  readonly server: string;
  readonly status: string;
  readonly restarts: number;
  readonly calls: number;
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

const ms = (v: number | null): string => (v === null ? '-' : `${v} ms`);

/**
 * Readiness from /readyz; calls, errors and latency per server from GET /health/servers (the
 * gateway's own metrics, for every signed-in user, only the servers that user may use).
 */
export function HealthPage(props: { session: Session }) {
  const { api } = props.session;
  const ready = useLoad(
    () =>
      fetch('/readyz', { headers: { accept: 'application/json' } }).then(
        (r) => r.json() as Promise<Readiness>,
      ),
    [],
    5000,
  );
  const servers = useLoad(
    () => api.get<{ servers: ServerHealth[] }>('/health/servers').then((r) => r.servers),
    [api],
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
      <LoadError error={servers.error} />
      {servers.data?.length === 0 && <p>No servers you may use.</p>}
      <table>
        <caption>
          Tool calls through the gateway since it started (latency estimated from its histogram)
        </caption>
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">Status</th>
            <th scope="col">Restarts</th>
            <th scope="col">Calls</th>
            <th scope="col">Errors</th>
            <th scope="col">p50 latency</th>
            <th scope="col">p95 latency</th>
          </tr>
        </thead>
        <tbody>
          {(servers.data ?? []).map((s) => (
            <tr key={s.server} data-health={s.server}>
              <th scope="row">{s.server}</th>
              <td>{s.status}</td>
              <td>{s.restarts}</td>
              <td>{s.calls}</td>
              <td>{s.errors}</td>
              <td>{ms(s.p50Ms)}</td>
              <td>{ms(s.p95Ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
