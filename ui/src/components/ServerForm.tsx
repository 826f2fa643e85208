import { useState } from 'preact/hooks';
import { useAction } from '../hooks.js';
import type { Session } from '../session.js';
import type { ServerInfo } from '../types.js';
import { Status } from './Status.js';

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
/**
 * `KEY=value` (env) or `Name: value` (headers) per line. Values shown as [redacted] are sent back
 * as is: the gateway keeps them.
 */
const pairs = (text: string, sep: string): Record<string, string> =>
  Object.fromEntries(
    lines(text).map((l) => {
      const i = l.indexOf(sep);
      return i < 0 ? [l, ''] : [l.slice(0, i).trim(), l.slice(i + sep.length).trim()];
    }),
  );
const unpair = (values: Record<string, string> | undefined, sep: string): string =>
  Object.entries(values ?? {})
    .map(([k, v]) => `${k}${sep}${v}`)
    .join('\n');

/** Registers a server (POST /mcp/servers) or edits one (PUT /mcp/servers/:name). */
export function ServerForm(props: { session: Session; existing?: ServerInfo; onSaved: () => void }) {
  const e = props.existing;
  const [name, setName] = useState(e?.name ?? '');
  const [transport, setTransport] = useState<'stdio' | 'streamable_http'>(e?.transportType ?? 'stdio');
  const [command, setCommand] = useState(e?.command ?? '');
  const [args, setArgs] = useState((e?.args ?? []).join('\n'));
  const [env, setEnv] = useState(unpair(e?.env, '='));
  const [url, setUrl] = useState(e?.url ?? '');
  const [headers, setHeaders] = useState(unpair(e?.headers, ': '));
  const [secretNames, setSecretNames] = useState((e?.secretNames ?? []).join(', '));
  const [delivery, setDelivery] = useState<'args' | 'env'>(e?.secretDelivery ?? 'args');
  const [enabled, setEnabled] = useState(true);
  const action = useAction();
  const id = (field: string): string => `server-${e ? 'edit' : 'new'}-${field}`;

  const submit = (ev: Event): void => {
    ev.preventDefault();
    void action.run(async () => {
      const names = secretNames
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const common = {
        transportType: transport,
        ...(transport === 'stdio'
          ? { command, args: lines(args), env: pairs(env, '=') }
          : { url, headers: pairs(headers, ':') }),
        secretDelivery: transport === 'stdio' ? delivery : 'args',
      };
      if (e) {
        await props.session.api.send('PUT', `/mcp/servers/${encodeURIComponent(e.name)}`, {
          ...common,
          secretNames: names.length ? names : null,
        });
      } else {
        await props.session.api.send('POST', '/mcp/servers', {
          name,
          ...common,
          enabled,
          ...(names.length ? { secretNames: names } : {}),
        });
      }
      props.onSaved();
      return e ? `Saved ${e.name}` : `Registered ${name}`;
    });
  };

  return (
    <form onSubmit={submit} class="form">
      {!e && (
        <>
          <label for={id('name')}>Server name</label>
          <input id={id('name')} required value={name} onInput={(x) => setName(x.currentTarget.value)} />
        </>
      )}
      <label for={id('transport')}>Transport</label>
      <select
        id={id('transport')}
        value={transport}
        onChange={(x) => setTransport(x.currentTarget.value as 'stdio' | 'streamable_http')}
      >
        <option value="stdio">stdio (a local command)</option>
        <option value="streamable_http">streamable_http (a remote URL)</option>
      </select>
      {transport === 'stdio' ? (
        <>
          <label for={id('command')}>Command</label>
          <input
            id={id('command')}
            required
            value={command}
            onInput={(x) => setCommand(x.currentTarget.value)}
          />
          <label for={id('args')}>Arguments (one per line)</label>
          <textarea id={id('args')} rows={3} value={args} onInput={(x) => setArgs(x.currentTarget.value)} />
          <label for={id('env')}>Environment (KEY=value per line)</label>
          <textarea id={id('env')} rows={3} value={env} onInput={(x) => setEnv(x.currentTarget.value)} />
          <label for={id('delivery')}>Secret delivery</label>
          <select
            id={id('delivery')}
            value={delivery}
            onChange={(x) => setDelivery(x.currentTarget.value as 'args' | 'env')}
          >
            <option value="args">merged into tool arguments</option>
            <option value="env">environment of a per-user process</option>
          </select>
        </>
      ) : (
        <>
          <label for={id('url')}>URL</label>
          <input
            id={id('url')}
            type="url"
            required
            value={url}
            onInput={(x) => setUrl(x.currentTarget.value)}
          />
          <label for={id('headers')}>Headers (Name: value per line)</label>
          <textarea
            id={id('headers')}
            rows={3}
            value={headers}
            onInput={(x) => setHeaders(x.currentTarget.value)}
          />
        </>
      )}
      <label for={id('secrets')}>Secret names the server expects (comma separated)</label>
      <input id={id('secrets')} value={secretNames} onInput={(x) => setSecretNames(x.currentTarget.value)} />
      {!e && (
        <label class="check">
          <input type="checkbox" checked={enabled} onChange={(x) => setEnabled(x.currentTarget.checked)} />{' '}
          Start it now (enabled)
        </label>
      )}
      <button type="submit" disabled={action.busy}>
        {e ? `Save ${e.name}` : 'Register server'}
      </button>
      <Status message={action.message} error={action.error} />
    </form>
  );
}
