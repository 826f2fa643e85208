import { useState } from 'preact/hooks';
import { StateView, type StateAsOf } from '../components/StateView.js';
import { LoadError, Status } from '../components/Status.js';
import { useAction, useLoad } from '../hooks.js';
import type { Session } from '../session.js';

interface AuditEvent {
  readonly position: number;
  readonly streamId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: { occurredAt: string; actor?: string };
}

const PAGE = 200;

/** Filters map to GET /events query parameters; "user" filters the page by actor in the browser. */
export function AuditPage(props: { session: Session }) {
  const { api } = props.session;
  const [form, setForm] = useState({ stream: '', type: '', user: '', since: '', until: '' });
  const [applied, setApplied] = useState(form);
  const [from, setFrom] = useState<number | undefined>(undefined);
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (from !== undefined) query.set('from', String(from));
  if (applied.stream) query.set('stream', applied.stream);
  if (applied.type) query.set('type', applied.type);
  if (applied.since) query.set('since', new Date(applied.since).toISOString());
  if (applied.until) query.set('until', new Date(applied.until).toISOString());
  const events = useLoad(
    () =>
      api.get<{ events: AuditEvent[]; head: number; nextFrom: number | null }>(`/events?${query.toString()}`),
    [query.toString()],
  );
  const shown = (events.data?.events ?? []).filter((e) => !applied.user || e.metadata.actor === applied.user);
  const [asOf, setAsOf] = useState('');
  const [state, setState] = useState<StateAsOf | undefined>(undefined);
  const action = useAction();
  const field = (key: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) =>
    setForm({ ...form, [key]: e.currentTarget.value });

  const showState = (at: string): Promise<void> =>
    action.run(async () => {
      const q = /^\d+$/.test(at) ? `position=${at}` : `at=${encodeURIComponent(new Date(at).toISOString())}`;
      setState(await api.get<StateAsOf>(`/events/state?${q}`));
      return undefined;
    });

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit</h1>
      <form
        class="form inline"
        aria-label="Event filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(form);
          setFrom(undefined);
        }}
      >
        <label for="f-stream">Stream</label>
        <input id="f-stream" value={form.stream} onInput={field('stream')} placeholder="server-x" />
        <label for="f-type">Event types (comma separated)</label>
        <input id="f-type" value={form.type} onInput={field('type')} placeholder="ServerRegistered" />
        <label for="f-user">User (actor)</label>
        <input id="f-user" value={form.user} onInput={field('user')} />
        <label for="f-since">Since</label>
        <input id="f-since" type="datetime-local" step="1" value={form.since} onInput={field('since')} />
        <label for="f-until">Until</label>
        <input id="f-until" type="datetime-local" step="1" value={form.until} onInput={field('until')} />
        <button type="submit">Apply filters</button>
      </form>
      <LoadError error={events.error} />
      <table>
        <caption>
          {shown.length} events{events.data ? ` (log head: position ${events.data.head})` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Position</th>
            <th scope="col">Time</th>
            <th scope="col">Type</th>
            <th scope="col">Stream</th>
            <th scope="col">Actor</th>
            <th scope="col">Data</th>
            <th scope="col">As of</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e) => (
            <tr key={e.position} data-position={e.position}>
              <td>{e.position}</td>
              <td>{e.metadata.occurredAt}</td>
              <td>{e.type}</td>
              <td>{e.streamId}</td>
              <td>{e.metadata.actor ?? ''}</td>
              <td>
                <details>
                  <summary>data of event {e.position}</summary>
                  <pre>{JSON.stringify(e.data, null, 2)}</pre>
                </details>
              </td>
              <td>
                <button type="button" onClick={() => void showState(String(e.position))}>
                  State as of {e.position}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="actions">
        {from !== undefined && (
          <button type="button" onClick={() => setFrom(undefined)}>
            First page
          </button>
        )}
        {events.data?.nextFrom != null && (
          <button type="button" onClick={() => setFrom(events.data?.nextFrom ?? undefined)}>
            Next page (from position {events.data.nextFrom})
          </button>
        )}
      </p>
      <h2>State as of a position or time</h2>
      <form
        class="form inline"
        onSubmit={(e) => {
          e.preventDefault();
          void showState(asOf);
        }}
      >
        <label for="as-of">Position, or a time (e.g. 2026-11-30T12:00:00Z)</label>
        <input id="as-of" required value={asOf} onInput={(e) => setAsOf(e.currentTarget.value)} />
        <button type="submit">Show state</button>
      </form>
      <Status message={action.message} error={action.error} />
      {state && <StateView state={state} />}
    </section>
  );
}
