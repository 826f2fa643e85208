import { useState } from 'preact/hooks';
import { errorText } from '../api.js';
import type { Session } from '../session.js';

/** POST /packages/install with Accept: text/event-stream: the installer's output arrives line by line. */
export function InstallForm(props: { session: Session; onDone: () => void }) {
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [serverName, setServerName] = useState('');
  const [runtime, setRuntime] = useState<'node' | 'python'>('node');
  const [lines, setLines] = useState<string[]>([]);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setLines([]);
    setOutcome(undefined);
    const body = { name, serverName, runtime, ...(version ? { version } : {}) };
    try {
      await props.session.api.stream('POST', '/packages/install', body, (event, data) => {
        const d = data as { line?: string; error?: string; package?: { version?: string } };
        if (event === 'log' && d.line !== undefined) setLines((l) => [...l, d.line as string]);
        if (event === 'result')
          setOutcome({
            ok: true,
            text: `Installed ${name}@${d.package?.version ?? '?'} as server ${serverName}`,
          });
        if (event === 'error')
          setOutcome({ ok: false, text: `Install failed: ${d.error ?? 'unknown error'}` });
      });
    } catch (err) {
      setOutcome({ ok: false, text: `Install failed: ${errorText(err)}` });
    } finally {
      setBusy(false);
      props.onDone();
    }
  };

  return (
    <form class="form" onSubmit={submit}>
      <label for="pkg-name">Package name (npm or PyPI)</label>
      <input id="pkg-name" required value={name} onInput={(x) => setName(x.currentTarget.value)} />
      <label for="pkg-version">Version (optional)</label>
      <input id="pkg-version" value={version} onInput={(x) => setVersion(x.currentTarget.value)} />
      <label for="pkg-server">Server name</label>
      <input
        id="pkg-server"
        required
        value={serverName}
        onInput={(x) => setServerName(x.currentTarget.value)}
      />
      <label for="pkg-runtime">Runtime</label>
      <select
        id="pkg-runtime"
        value={runtime}
        onChange={(x) => setRuntime(x.currentTarget.value as 'node' | 'python')}
      >
        <option value="node">node (npm)</option>
        <option value="python">python (pip)</option>
      </select>
      <button type="submit" disabled={busy}>
        {busy ? 'Installing…' : 'Install'}
      </button>
      {(busy || lines.length > 0) && (
        <>
          <h3 id="install-progress-title">Install progress</h3>
          <pre
            class="logs"
            aria-labelledby="install-progress-title"
            aria-live="polite"
            aria-busy={busy}
            data-testid="install-progress"
          >
            {lines.join('\n')}
          </pre>
        </>
      )}
      {outcome && (
        <p role={outcome.ok ? 'status' : 'alert'} class={outcome.ok ? 'ok' : 'error'}>
          {outcome.text}
        </p>
      )}
    </form>
  );
}
