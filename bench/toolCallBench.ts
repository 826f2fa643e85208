import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { Pool } from 'undici';
import { authHeaders, FIXTURE, startFixtureGateway } from './processes.js';
import { median, round, runLoad, type LoadResult } from './stats.js';

/** The same tool and arguments on every path: echo_secret returns `message`; the gateway also injects a secret. */
const ARGS = { name: 'message', message: 'hello' };
const LEVELS = [
  { concurrency: 1, calls: 1000 },
  { concurrency: 16, calls: 4000 },
  { concurrency: 64, calls: 8000 },
] as const;

type Path = {
  readonly id: string;
  readonly label: string;
  once: () => Promise<void>;
  close: () => Promise<void>;
};

async function sdkCaller(client: Client): Promise<() => Promise<void>> {
  return async () => {
    await client.request(
      { method: 'tools/call', params: { name: 'echo_secret', arguments: ARGS } },
      CallToolResultSchema,
    );
  };
}

async function directStdio(): Promise<Path> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [FIXTURE], stderr: 'ignore' }),
  );
  return {
    id: 'a',
    label: 'direct SDK client over stdio (physical limit)',
    once: await sdkCaller(client),
    close: () => client.close(),
  };
}

async function viaGateway(dataDir: string): Promise<Path & { pid: number; url: string }> {
  const gw = await startFixtureGateway(dataDir);
  const pool = new Pool(gw.url, { connections: 64, pipelining: 1 });
  const body = JSON.stringify({
    username: 'bench',
    serverName: 'fixture',
    methodName: 'echo_secret',
    args: ARGS,
  });
  const headers = authHeaders();
  const once = async (): Promise<void> => {
    const res = await pool.request({ path: '/mcp/tool/call', method: 'POST', headers, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`gateway answered ${res.statusCode}: ${text}`);
  };
  return {
    id: 'b',
    label: 'POST /mcp/tool/call (decrypt + inject + schema check)',
    once,
    pid: gw.child.pid as number,
    url: gw.url,
    close: async () => {
      await pool.close();
      await gw.stop();
    },
  };
}

/** The gateway's own MCP endpoint: an SDK client over Streamable HTTP, tool named <server>__<tool>. */
async function viaGatewayMcp(url: string): Promise<Path> {
  const client = new Client({ name: 'bench', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp?username=bench`), {
    requestInit: { headers: { authorization: authHeaders().authorization as string } },
  });
  await client.connect(transport);
  const once = async (): Promise<void> => {
    await client.request(
      { method: 'tools/call', params: { name: 'fixture__echo_secret', arguments: ARGS } },
      CallToolResultSchema,
    );
  };
  return {
    id: 'c',
    label: 'gateway /mcp endpoint (same call path), SDK client',
    once,
    close: () => client.close(),
  };
}

async function viaSupergateway(port: number): Promise<Path> {
  const bin = join(process.cwd(), 'node_modules', 'supergateway', 'dist', 'index.js');
  const child = spawn(
    process.execPath,
    [
      bin,
      '--stdio',
      `${process.execPath} ${FIXTURE}`,
      '--outputTransport',
      'streamableHttp',
      '--stateful',
      '--port',
      String(port),
      '--logLevel',
      'none',
    ],
    { stdio: 'ignore' },
  );
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const client = new Client({ name: 'bench', version: '1' });
  for (let i = 0; ; i++) {
    try {
      await client.connect(new StreamableHTTPClientTransport(url));
      break;
    } catch (e) {
      if (i > 200) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const close = async (): Promise<void> => {
    await client.close().catch(() => undefined);
    child.kill('SIGTERM');
  };
  return {
    id: 'd',
    label: 'supergateway stdio→Streamable HTTP, SDK client',
    once: await sdkCaller(client),
    close,
  };
}

export interface ToolCallReport {
  readonly paths: Record<
    string,
    { label: string; levels: Record<string, { p50: number; p99: number; throughput: number }> }
  >;
  readonly ratios: Record<string, Record<string, number>>;
  readonly rounds: number;
  readonly gatewayUrl?: string;
}

/** Alternates the paths round by round at each concurrency, then takes medians across rounds. */
export async function toolCallBench(rounds = 3): Promise<ToolCallReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-bench-'));
  const gateway = await viaGateway(dataDir);
  const paths: Path[] = [await directStdio(), gateway];
  try {
    paths.push(await viaGatewayMcp(gateway.url));
  } catch (e) {
    process.stderr.write(`gateway /mcp unavailable, path c skipped: ${String(e)}\n`);
  }
  try {
    paths.push(await viaSupergateway(18000 + Math.floor(Math.random() * 2000)));
  } catch (e) {
    process.stderr.write(`supergateway unavailable, path d skipped: ${String(e)}\n`);
  }
  const samples = new Map<string, LoadResult[]>();
  try {
    for (let r = 0; r < rounds; r++) {
      for (const level of LEVELS) {
        for (const p of paths) {
          const result = await runLoad(p.once, level.concurrency, level.calls);
          const key = `${p.id}@${level.concurrency}`;
          samples.set(key, [...(samples.get(key) ?? []), result]);
          process.stderr.write(
            `round ${r + 1} ${key}: p50 ${result.p50} ms p99 ${result.p99} ms ${result.throughput}/s\n`,
          );
        }
      }
    }
  } finally {
    for (const p of paths) await p.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  const report: ToolCallReport['paths'] = {};
  for (const p of paths) {
    const levels: Record<string, { p50: number; p99: number; throughput: number }> = {};
    for (const level of LEVELS) {
      const s = samples.get(`${p.id}@${level.concurrency}`) ?? [];
      levels[`c${level.concurrency}`] = {
        p50: median(s.map((x) => x.p50)),
        p99: median(s.map((x) => x.p99)),
        throughput: median(s.map((x) => x.throughput)),
      };
    }
    report[p.id] = { label: p.label, levels };
  }
  const ratio = (x: string, y: string): Record<string, number> | undefined => {
    const a = report[x];
    const b = report[y];
    if (!a || !b) return undefined;
    return {
      p50_c1: round(a.levels.c1!.p50 / b.levels.c1!.p50, 2),
      p99_c1: round(a.levels.c1!.p99 / b.levels.c1!.p99, 2),
      throughput_c16: round(a.levels.c16!.throughput / b.levels.c16!.throughput, 3),
      throughput_c64: round(a.levels.c64!.throughput / b.levels.c64!.throughput, 3),
    };
  };
  const ratios: Record<string, Record<string, number>> = {};
  for (const [name, x, y] of [
    ['b/a', 'b', 'a'],
    ['c/a', 'c', 'a'],
    ['c/d', 'c', 'd'],
    ['b/d', 'b', 'd'],
  ] as const) {
    const r = ratio(x, y);
    if (r) ratios[name] = r;
  }
  return { paths: report, ratios, rounds };
}
