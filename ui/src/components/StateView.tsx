export interface StateAsOf {
  readonly position: number;
  readonly occurredAt: string | null;
  readonly head: number;
  readonly servers: Array<{
    name: string;
    enabled: boolean;
    transportType: string;
    command?: string;
    url?: string;
  }>;
  readonly secrets: Array<{ serverName: string; username: string; secretNames: string[] }>;
  readonly packages: Array<{ serverName: string; name: string; version?: string; status: string }>;
}

/** GET /events/state: what the gateway was configured with at one point of its log. */
export function StateView(props: { state: StateAsOf }) {
  const s = props.state;
  return (
    <section class="panel" aria-labelledby="state-title" data-testid="state-as-of">
      <h3 id="state-title">
        State as of position {s.position}
        {s.occurredAt ? ` (${s.occurredAt})` : ''} of {s.head}
      </h3>
      <h4>Servers ({s.servers.length})</h4>
      <ul>
        {s.servers.map((x) => (
          <li key={x.name}>
            <strong>{x.name}</strong> {x.enabled ? 'enabled' : 'disabled'}, {x.transportType}{' '}
            {x.command ?? x.url ?? ''}
          </li>
        ))}
      </ul>
      <h4>Secret names ({s.secrets.reduce((n, x) => n + x.secretNames.length, 0)})</h4>
      <ul>
        {s.secrets.map((x) => (
          <li key={`${x.serverName}/${x.username}`}>
            {x.serverName} / {x.username}: {x.secretNames.join(', ')}
          </li>
        ))}
      </ul>
      <h4>Packages ({s.packages.length})</h4>
      <ul>
        {s.packages.map((x) => (
          <li key={x.serverName}>
            {x.serverName}: {x.name}@{x.version ?? '-'} ({x.status})
          </li>
        ))}
      </ul>
    </section>
  );
}
