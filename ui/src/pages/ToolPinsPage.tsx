import { ConfirmButton } from '../components/Confirm.js';
import { LoadError, Status } from '../components/Status.js';
import { useAction, useLoad } from '../hooks.js';
import type { Session } from '../session.js';

const POLL_MS = 4000;

interface Version {
  readonly hash: string;
  readonly definition: Record<string, unknown>;
}

interface Pending {
  readonly toolName: string;
  readonly source: string;
  readonly detectedAt: string;
  readonly kind: 'new' | 'changed';
  readonly changedFields?: readonly string[];
  readonly proposed: Version;
  readonly previous?: Version;
}

interface ServerPins {
  readonly serverName: string;
  readonly toolApproval: string;
  readonly pinned: ReadonlyArray<{ name: string }>;
  readonly pending: readonly Pending[];
}

/** Line by line: the previous definition's lines marked -, the proposed one's +, shared lines as they are. */
export function definitionDiff(
  before: unknown,
  after: unknown,
): Array<{ mark: ' ' | '-' | '+'; text: string }> {
  const a = before === undefined ? [] : JSON.stringify(before, null, 2).split('\n');
  const b = JSON.stringify(after, null, 2).split('\n');
  // Longest common subsequence: definitions are small (a tool's schema), so the table stays small.
  const lcs = a.map(() => new Array<number>(b.length + 1).fill(0));
  lcs.push(new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: Array<{ mark: ' ' | '-' | '+'; text: string }> = [];
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ mark: ' ', text: a[i++]! });
      j++;
    } else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!))
      out.push({ mark: '-', text: a[i++]! });
    else out.push({ mark: '+', text: b[j++]! });
  }
  return out;
}

/**
 * Tool changes held for approval (tool pinning): each held tool with the diff between its pinned
 * and proposed definitions, approved or rejected one at a time or per server.
 */
export function ToolPinsPage(props: { session: Session }) {
  const { api } = props.session;
  // Changes arrive whenever a server restarts or lists anew: look again every few seconds.
  const pins = useLoad(
    () => api.get<{ servers: ServerPins[] }>('/mcp/tool-pins').then((r) => r.servers),
    [api],
    POLL_MS,
  );
  const action = useAction();
  const decide = (server: string, verb: 'approve' | 'reject', body: Record<string, string>, what: string) =>
    action.run(async () => {
      await api.send('POST', `/mcp/servers/${encodeURIComponent(server)}/tool-pins/${verb}`, body);
      pins.reload();
      return what;
    });
  const held = (pins.data ?? []).filter((s) => s.pending.length > 0);

  return (
    <section aria-labelledby="pins-title">
      <h1 id="pins-title">Tool changes</h1>
      <p>
        A tool that appears or changes after a server&apos;s first catalogue is held back until approved here.
      </p>
      <LoadError error={pins.error} />
      <Status message={action.message} error={action.error} />
      {pins.data && held.length === 0 && <p>No tool changes waiting.</p>}
      {held.map((s) => (
        <section key={s.serverName} aria-labelledby={`pins-${s.serverName}`} class="panel">
          <h2 id={`pins-${s.serverName}`}>
            {s.serverName} ({s.pending.length} held, {s.pinned.length} pinned)
          </h2>
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              void decide(s.serverName, 'approve', {}, `Approved every held tool of ${s.serverName}`)
            }
          >
            Approve all of {s.serverName}
          </button>
          <ul>
            {s.pending.map((p) => (
              <li key={p.toolName} data-pending={`${s.serverName}/${p.toolName}`}>
                <h3>
                  {p.toolName}:{' '}
                  {p.kind === 'new' ? 'new tool' : `changed (${(p.changedFields ?? []).join(', ')})`}
                </h3>
                <p>
                  Seen {p.detectedAt} from {p.source === 'server' ? 'the server' : "a user's process"}.
                </p>
                <pre class="diff" aria-label={`Changes to ${p.toolName}`} tabIndex={0}>
                  {definitionDiff(p.previous?.definition, p.proposed.definition).map((l, n) => (
                    <span key={n} class={l.mark === '+' ? 'add' : l.mark === '-' ? 'del' : undefined}>
                      {`${l.mark} ${l.text}\n`}
                    </span>
                  ))}
                </pre>
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() =>
                    void decide(
                      s.serverName,
                      'approve',
                      { toolName: p.toolName, hash: p.proposed.hash },
                      `Approved ${p.toolName}`,
                    )
                  }
                >
                  Approve {p.toolName}
                </button>{' '}
                <ConfirmButton
                  label={`Reject ${p.toolName}`}
                  confirmLabel={`Yes, reject ${p.toolName}`}
                  question={`Reject this version of ${p.toolName}? It stays unavailable.`}
                  onConfirm={() =>
                    void decide(
                      s.serverName,
                      'reject',
                      { toolName: p.toolName, hash: p.proposed.hash },
                      `Rejected ${p.toolName}`,
                    )
                  }
                />
              </li>
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}
