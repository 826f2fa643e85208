import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
export const FIXTURE = fileURLToPath(new URL('../test/fixtures/fixtureServer.js', import.meta.url));
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdefghijklmnop';
export const BENCH_KEY = 'bench secrets key material 0123456789abcdefghij';

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly startedAt: bigint;
  readonly listeningAt: bigint;
  stop(): Promise<void>;
}

/** Starts dist/src/main.js as a real process and resolves when it logs "listening". */
export async function startGatewayProcess(
  dataDir: string,
  extraEnv: Record<string, string> = {},
  nodeArgs: string[] = [],
  main = MAIN,
): Promise<GatewayProcess> {
  const startedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '0',
      DATA_DIR: dataDir,
      SECRETS_KEY: BENCH_KEY,
      ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      LOG_LEVEL: 'info',
      // One bench user makes thousands of calls a second: the per-user rate limit would measure 429s.
      TOOL_CALLS_PER_MINUTE: '0',
      MCP_MAX_CONCURRENT_CALLS_PER_SESSION: '100',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (const line of buffered.split('\n')) {
        if (line.includes('mcp-api listening'))
          resolve(`http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited early with code ${code}`)));
  });
  const listeningAt = process.hrtime.bigint();
  return {
    child,
    url,
    startedAt,
    listeningAt,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export const authHeaders = (): Record<string, string> => ({
  'content-type': 'application/json',
  authorization: `Bearer ${BENCH_ADMIN_TOKEN}`,
});

export async function api(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(url + path, {
    method,
    headers: authHeaders(),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Polls until every named server is connected. */
export async function waitConnected(url: string, names: readonly string[], limitMs = 120_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const body = await api(url, 'GET', '/mcp/servers');
    const servers = body.servers as Array<{ name: string; status: string }>;
    const up = new Set(servers.filter((s) => s.status === 'connected').map((s) => s.name));
    if (names.every((n) => up.has(n))) return;
    if (Date.now() > deadline)
      throw new Error(`servers not connected: ${names.filter((n) => !up.has(n)).join(', ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  return Math.round((kb / 1024) * 10) / 10;
}

/** The tool call every load in the benchmarks makes: echo_secret, with user bench's secret injected. */
export const BENCH_CALL = JSON.stringify({
  username: 'bench',
  serverName: 'fixture',
  methodName: 'echo_secret',
  args: { name: 'message', message: 'hello' },
});

/** A gateway process with the fixture server registered and connected, and a secret stored for user bench. */
export async function startFixtureGateway(
  dataDir: string,
  nodeArgs: string[] = [],
  extraEnv: Record<string, string> = {},
  main = MAIN,
): Promise<GatewayProcess> {
  const gw = await startGatewayProcess(dataDir, extraEnv, nodeArgs, main);
  try {
    await api(gw.url, 'POST', '/mcp/servers', {
      name: 'fixture',
      command: process.execPath,
      args: [FIXTURE],
    });
    await api(gw.url, 'POST', '/secrets/set', {
      username: 'bench',
      serverName: 'fixture',
      secretName: 'TOKEN',
      secretValue: 'bench-secret-value-123',
    });
    await waitConnected(gw.url, ['fixture']);
    return gw;
  } catch (e) {
    await gw.stop();
    throw e;
  }
}
