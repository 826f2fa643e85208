import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio';
import { Pool } from 'undici';
import { createLogger } from '../src/logger.js';
import { ProcessRegistry } from '../src/runtime/stdio/processRegistry.js';
import { StdioSupervisor } from '../src/runtime/stdio/stdioSupervisor.js';
import { callPathLayers } from './callPathLayers.js';
import { cpuSeconds } from './cpu.js';
import { FIXTURE, startGatewayProcess } from './processes.js';
import { median, round, runLoad } from './stats.js';

/** The fixture's echo tool; `TOKEN` stands in for the secret the gateway would inject. */
const ARGS = { name: 'message', message: 'hello', TOKEN: 'bench-secret' };

export interface LayerRow {
  readonly layer: string;
  readonly concurrency: number;
  /** Medians over the rounds. */
  readonly p50: number;
  readonly cpuUsPerCall: number;
}

export interface Layer {
  readonly layer: string;
  /** The process whose CPU is counted (this one, or an HTTP server's). */
  readonly pid: number;
  once(): Promise<unknown>;
  close(): Promise<void>;
}

/** The upstream hop, in this process: the SDK's own clients and the gateway's stdio supervisor. */
async function clientLayers(): Promise<Layer[]> {
  const v1 = new Client({ name: 'bench', version: '1' });
  await v1.connect(
    new StdioClientTransport({ command: process.execPath, args: [FIXTURE], stderr: 'ignore' }),
  );
  const v2 = new ModernClient({ name: 'bench', version: '1' });
  await v2.connect(new ModernStdio({ command: process.execPath, args: [FIXTURE], stderr: 'ignore' }));
  const supervisor = new StdioSupervisor({
    name: 'fixture',
    transport: { transportType: 'stdio', command: process.execPath, args: [FIXTURE], env: {} },
    startupTimeoutMs: 10_000,
    logger: createLogger({ level: 'error', write: () => undefined }),
    policy: {
      initialDelayMs: 100,
      maxDelayMs: 1000,
      factor: 2,
      breakerThreshold: 3,
      breakerWindowMs: 10_000,
    },
    shutdownGraceMs: 500,
    logLimit: 100,
    parentEnv: { PATH: process.env.PATH ?? '' },
    registry: new ProcessRegistry(),
  });
  supervisor.start();
  while (supervisor.snapshot().status === 'connecting') await new Promise((r) => setTimeout(r, 20));
  // As on the REST path: a long-lived caller signal (the connection's), so no deadline timer per call.
  const caller = new AbortController().signal;
  const call = { method: 'tools/call' as const, params: { name: 'echo_secret', arguments: ARGS } };
  return [
    {
      layer: 'SDK v1 client → stdio',
      pid: process.pid,
      once: () => v1.request(call, CallToolResultSchema),
      close: () => v1.close(),
    },
    {
      layer: 'SDK v2 client → stdio',
      pid: process.pid,
      once: () => v2.request(call),
      close: () => v2.close(),
    },
    {
      layer: "gateway's stdio supervisor → stdio (the call path below policy and secrets)",
      pid: process.pid,
      once: () => supervisor.callTool('echo_secret', ARGS, { timeoutMs: 60_000, signal: caller }),
      close: () => supervisor.stop(),
    },
  ];
}

/** The HTTP face without a tool call: bare node:http against the gateway's middleware on GET /healthz. */
async function httpLayers(): Promise<{ layers: Layer[]; cleanup: () => Promise<void> }> {
  const bare = await bareHttp();
  const dataDir = await mkdtemp(join(tmpdir(), 'mcp-api-layers-'));
  const gw = await startGatewayProcess(join(dataDir, 'data'));
  const get = (url: string) => {
    const pool = new Pool(url, { connections: 16 });
    return {
      pool,
      once: async () => {
        const res = await pool.request({ path: '/healthz', method: 'GET' });
        await res.body.text();
      },
    };
  };
  const b = get(bare.url);
  const g = get(gw.url);
  return {
    layers: [
      {
        layer: 'node:http answering JSON (no framework)',
        pid: bare.child.pid as number,
        ...b,
        close: () => b.pool.close(),
      },
      {
        layer: "gateway's HTTP stack on GET /healthz (Koa, request id, origin guard, policy)",
        pid: gw.child.pid as number,
        ...g,
        close: () => g.pool.close(),
      },
    ],
    cleanup: async () => {
      bare.child.kill('SIGTERM');
      await gw.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function bareHttp(): Promise<{ child: ChildProcess; url: string }> {
  const script =
    "const s=require('node:http').createServer((q,r)=>{q.resume();q.on('end',()=>r.writeHead(200," +
    "{'content-type':'application/json'}).end('{\"status\":\"ok\"}'))});" +
    "s.listen(0,'127.0.0.1',()=>process.stdout.write(String(s.address().port)+'\\n'))";
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<string>((resolve) =>
    child.stdout?.once('data', (d: Buffer) => resolve(String(d).trim())),
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * Where a REST call's CPU goes, layer by layer, in alternating rounds: the upstream hop in-process (SDK v1,
 * SDK v2, the gateway's supervisor), the gateway's call path in-process (its pinned supervisor against
 * runtime.callTool) and the HTTP face alone (bare node:http, the gateway's stack on /healthz).
 */
export async function layersBench(rounds: number, sizes: { c1: number; c16: number }): Promise<LayerRow[]> {
  const clients = await clientLayers();
  const callPath = await callPathLayers();
  const http = await httpLayers();
  const layers = [...clients, ...callPath, ...http.layers];
  const samples = new Map<string, { p50: number[]; cpu: number[] }>();
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [concurrency, calls] of [
        [1, sizes.c1],
        [16, sizes.c16],
      ] as const) {
        for (const layer of r % 2 === 0 ? layers : [...layers].reverse()) {
          await runLoad(() => layer.once().then(() => undefined), concurrency, 200, 0);
          const cpu0 = cpuSeconds(layer.pid);
          const load = await runLoad(() => layer.once().then(() => undefined), concurrency, calls, 0);
          const cpu = ((cpuSeconds(layer.pid) - cpu0) / calls) * 1e6;
          const key = `${layer.layer}\u0000${concurrency}`;
          const s = samples.get(key) ?? { p50: [], cpu: [] };
          s.p50.push(load.p50);
          s.cpu.push(cpu);
          samples.set(key, s);
        }
      }
    }
  } finally {
    for (const layer of layers) await layer.close();
    await http.cleanup();
  }
  return [...samples].map(([key, s]) => {
    const [layer, concurrency] = key.split('\u0000') as [string, string];
    return {
      layer,
      concurrency: Number(concurrency),
      p50: median(s.p50),
      cpuUsPerCall: round(median(s.cpu), 0),
    };
  });
}

/** Markdown for the layers section. */
export function layersTable(rows: readonly LayerRow[]): string[] {
  return [
    '## Where a call goes: the upstream hop, the call path and the HTTP face, measured apart',
    '',
    'In-process rows count this process (the load generator included, the same for each); HTTP rows count the',
    'server process only.',
    '',
    '| layer | conc | p50 ms | CPU µs/call |',
    '| --- | --- | --- | --- |',
    ...[...rows]
      .sort((a, b) => a.concurrency - b.concurrency)
      .map((r) => `| ${r.layer} | ${r.concurrency} | ${r.p50} | ${r.cpuUsPerCall} |`),
  ];
}
