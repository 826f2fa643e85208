/** A reader for the Prometheus text format, enough for the gateway's own metrics. */
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL))
      if (k !== undefined && v !== undefined) labels[k] = v.replace(/\\(.)/g, '$1');
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

export interface ServerHealth {
  server: string;
  status: string;
  restarts: number;
  calls: number;
  errors: number;
  seconds: number;
}

/** Per server: status and restarts (gauges), calls and errors (mcp_tool_calls_total by outcome), total call time. */
export function perServer(samples: readonly Sample[]): ServerHealth[] {
  const byName = new Map<string, ServerHealth>();
  const get = (server: string): ServerHealth => {
    let h = byName.get(server);
    if (!h) byName.set(server, (h = { server, status: '-', restarts: 0, calls: 0, errors: 0, seconds: 0 }));
    return h;
  };
  for (const s of samples) {
    const server = s.labels.server;
    if (server === undefined) continue;
    if (s.name === 'mcp_server_up') get(server).status = s.labels.status ?? '-';
    else if (s.name === 'mcp_server_restarts') get(server).restarts = s.value;
    else if (s.name === 'mcp_tool_calls_total') {
      get(server).calls += s.value;
      if (s.labels.outcome !== 'ok') get(server).errors += s.value;
    } else if (s.name === 'mcp_tool_call_duration_seconds_sum') get(server).seconds += s.value;
  }
  return [...byName.values()].sort((a, b) => a.server.localeCompare(b.server));
}
