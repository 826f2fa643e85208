import { FIXTURE_SERVER, startTestGateway } from '../test/support/testGateway.js';
import type { Layer } from './layersBench.js';

const SECRET = 'bench-secret-value-123';
const ARGS = { name: 'message', message: 'hello' };

/**
 * The gateway's call path in this process, without HTTP: the same gateway's pinned supervisor (the secret passed
 * in by hand) against `runtime.callTool`, the one call path REST and /mcp share (server view, access policy,
 * settle, this user's secrets, argument validation, the tool gate, audit, metrics, trace). The difference
 * between the two rows is what a call costs between the HTTP face and the upstream hop.
 */
export async function callPathLayers(): Promise<Layer[]> {
  // The production flush interval (AUDIT_FLUSH_INTERVAL_MS' default), not the tests' short one.
  const gw = await startTestGateway({ audit: { flushIntervalMs: 200 } });
  const ok = async (path: string, body: unknown): Promise<void> => {
    const res = await gw.request('POST', path, body);
    if (res.status >= 300) throw new Error(`POST ${path} → ${res.status}: ${res.text}`);
  };
  try {
    await ok('/mcp/servers', { name: 'fixture', command: process.execPath, args: [FIXTURE_SERVER] });
    await ok('/secrets/set', {
      username: 'bench',
      serverName: 'fixture',
      secretName: 'TOKEN',
      secretValue: SECRET,
    });
    const { pool, runtime } = gw.gateway;
    while (pool.snapshot('fixture')?.status !== 'connected') await new Promise((r) => setTimeout(r, 20));
    // As on the REST path: a long-lived caller signal (the connection's), so no deadline timer per call.
    const signal = new AbortController().signal;
    const request = { username: 'bench', serverName: 'fixture', methodName: 'echo_secret', args: ARGS };
    const extras = { caller: { caller: { type: 'admin' as const }, via: 'rest' as const } };
    const supervisor = pool.get('fixture');
    if (!supervisor) throw new Error('the fixture server is not in the pool');
    let open = 2;
    const close = async (): Promise<void> => {
      if (--open === 0) await gw.close();
    };
    return [
      {
        layer: "gateway's pinned supervisor in-process (the secret passed by hand)",
        pid: process.pid,
        once: () =>
          supervisor.callTool(
            'echo_secret',
            { ...ARGS, TOKEN: SECRET },
            { timeoutMs: 60_000, signal, username: 'bench' },
          ),
        close,
      },
      {
        layer:
          "gateway's call path in-process (runtime.callTool: policy, secrets, validation, audit, metrics)",
        pid: process.pid,
        once: () => runtime.callTool(request, signal, extras),
        close,
      },
    ];
  } catch (e) {
    await gw.close();
    throw e;
  }
}
