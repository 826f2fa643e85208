import { useState } from 'preact/hooks';
import { ResultBlocks, type CallResult } from '../components/ResultBlocks.js';
import { argumentsFrom, SchemaForm, type FieldValues } from '../components/SchemaForm.js';
import { LoadError, Status } from '../components/Status.js';
import { useAction, useLoad } from '../hooks.js';
import type { Session } from '../session.js';
import type { Tool } from '../types.js';

/** Calls a tool as the signed-in user through POST /mcp/tool/call (their own secrets are injected by the gateway). */
export function PlaygroundPage(props: { session: Session; server?: string }) {
  const { api } = props.session;
  const tools = useLoad(
    () =>
      api
        .get<{ tools: Array<Record<string, Tool[]>> }>('/mcp/tools')
        .then((r) => r.tools.flatMap((entry) => Object.entries(entry))),
    [api],
  );
  const [server, setServer] = useState(props.server ?? '');
  const [toolName, setToolName] = useState('');
  const [values, setValues] = useState<FieldValues>({});
  const [result, setResult] = useState<CallResult | undefined>(undefined);
  const action = useAction();
  const servers = tools.data ?? [];
  const chosenServer = server || servers[0]?.[0] || '';
  const serverTools = servers.find(([name]) => name === chosenServer)?.[1] ?? [];
  const tool = serverTools.find((t) => t.name === toolName) ?? serverTools[0];

  const call = (e: Event): void => {
    e.preventDefault();
    if (!tool) return;
    void action.run(async () => {
      setResult(undefined);
      const args = argumentsFrom(tool.inputSchema, values);
      const r = await api.send<{ data: CallResult }>('POST', '/mcp/tool/call', {
        serverName: chosenServer,
        methodName: tool.name,
        args,
      });
      setResult(r.data);
      return `Called ${tool.name} on ${chosenServer}`;
    });
  };

  return (
    <section aria-labelledby="playground-title">
      <h1 id="playground-title">Playground</h1>
      <LoadError error={tools.error} />
      {tools.data && servers.length === 0 && <p>No enabled server has tools yet.</p>}
      <form class="form" onSubmit={call}>
        <label for="pg-server">Server</label>
        <select
          id="pg-server"
          value={chosenServer}
          onChange={(e) => {
            setServer(e.currentTarget.value);
            setToolName('');
            setValues({});
          }}
        >
          {servers.map(([name]) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <label for="pg-tool">Tool</label>
        <select
          id="pg-tool"
          value={tool?.name ?? ''}
          onChange={(e) => {
            setToolName(e.currentTarget.value);
            setValues({});
          }}
        >
          {serverTools.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name}
            </option>
          ))}
        </select>
        {tool?.description && <p class="hint">{tool.description}</p>}
        {tool && (
          <fieldset>
            <legend>Arguments of {tool.name}</legend>
            <SchemaForm
              schema={tool.inputSchema}
              idPrefix={`arg-${tool.name}`}
              values={values}
              onChange={setValues}
            />
          </fieldset>
        )}
        <button type="submit" disabled={!tool || action.busy}>
          Call tool
        </button>
      </form>
      <Status message={action.message} error={action.error} />
      {result && <ResultBlocks result={result} />}
    </section>
  );
}
