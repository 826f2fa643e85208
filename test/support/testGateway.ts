import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecretBox, deriveKey, type SecretBox } from '../../src/crypto/secretBox.js';
import type { EventStore } from '../../src/events/eventStore.js';
import type { SnapshotStore } from '../../src/events/snapshotStore.js';
import { openFileEventStore } from '../../src/events/fileEventStore.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';
import { createLogger } from '../../src/logger.js';
import type { RemoteOptions } from '../../src/runtime/remoteRuntime.js';
import { createUrlPolicy } from '../../src/runtime/urlSafety.js';
import type { PackageSettings } from '../../src/runtime/packages/createPackageManager.js';
import { FIXTURE_SERVER } from '../runtime/processTestUtils.js';

export { FIXTURE_SERVER };

/** Derived once per test run: scrypt is deliberately slow. */
let sharedBox: SecretBox | undefined;
export const TEST_KEY_MATERIAL = 'test-only key material: 0123456789abcdefghij';
export function testSecretBox(): SecretBox {
  sharedBox ??= createSecretBox(new Map([[1, deriveKey(TEST_KEY_MATERIAL, 1)]]));
  return sharedBox;
}

export interface TestGateway {
  readonly url: string;
  readonly gateway: Gateway;
  readonly store: EventStore;
  readonly dataDir: string;
  /** Every log line the gateway wrote, for canary checks. */
  readonly logs: string[];
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; text: string }>;
  /** Stops the gateway and its children, closes the store; keeps the data dir (for restart tests). */
  stop(): Promise<void>;
  /** stop() and remove the data dir. */
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  dataDir?: string;
  parentEnv?: NodeJS.ProcessEnv;
  bodyLimit?: string;
  /** Package settings; install roots default to <dataDir>/packages/{npm,python}. */
  packages?: Partial<PackageSettings>;
  policy?: Partial<{ initialDelayMs: number; maxDelayMs: number; factor: number; breakerThreshold: number; breakerWindowMs: number }>;
  perUser?: GatewayOptions['perUser'];
  mcp?: GatewayOptions['mcp'];
  /** Remote-server settings; by default loopback is allowed, since test servers listen on 127.0.0.1. */
  remote?: RemoteOptions;
  /** Use this store (e.g. one memory store shared by two gateways) instead of a file store; it is not closed on stop. */
  store?: EventStore;
  /** Another store (e.g. Mongo) instead of the file store in dataDir; stop() calls its close(). */
  storage?: { events: EventStore; snapshots?: SnapshotStore; close(): Promise<void> };
  checkpointIntervalMs?: number;
  clock?: () => Date;
}

/** A real gateway on the real file event store, listening on an ephemeral loopback port. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'mcp-api-test-')));
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const store = options.store ?? options.storage?.events ?? (await openFileEventStore({ dir: join(dataDir, 'events'), logger }));
  const closeStore = options.store ? async () => undefined : options.storage ? () => options.storage!.close() : () => store.close();
  const gateway = await startGateway({
    ...(options.storage?.snapshots ? { snapshots: options.storage.snapshots } : {}),
    ...(options.checkpointIntervalMs ? { checkpointIntervalMs: options.checkpointIntervalMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    store,
    secretBox: testSecretBox(),
    logger,
    defaults: { timeout: 10_000, startupTimeout: 10_000 },
    policy: { initialDelayMs: 50, maxDelayMs: 500, factor: 2, breakerThreshold: 3, breakerWindowMs: 10_000, ...options.policy },
    shutdownGraceMs: 500,
    logLines: 50,
    bodyLimit: options.bodyLimit ?? '64kb',
    parentEnv: options.parentEnv ?? process.env,
    newId: randomUUID,
    ...(options.perUser ? { perUser: options.perUser } : {}),
    ...(options.mcp ? { mcp: options.mcp } : {}),
    remote: { urlPolicy: createUrlPolicy({ allow: ['loopback'] }), ...options.remote },
    ...(options.clock ? { clock: options.clock } : {}),
    packages: {
      npmRoot: join(dataDir, 'packages', 'npm'),
      venvRoot: join(dataDir, 'packages', 'python'),
      npmBin: 'npm',
      pythonBin: 'python3',
      installTimeoutMs: 120_000,
      checkTimeoutMs: 10_000,
      ...options.packages,
    },
  });
  const server: Server = createServer(gateway.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gateway.close();
    await closeStore();
  };

  return {
    url,
    gateway,
    store,
    dataDir,
    logs,
    async request(method, path, body) {
      const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const res = await fetch(url + path, init);
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = {};
      }
      return { status: res.status, body: parsed, text };
    },
    stop,
    async close() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Body for POST /mcp/servers running the fixture server. */
export function fixtureServer(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, transportType: 'stdio', command: process.execPath, args: [FIXTURE_SERVER], env: {}, ...extra };
}

/** Polls GET /mcp/servers/:name until its status is one of `statuses`. */
export async function waitForStatus(gw: TestGateway, name: string, statuses: string[], limitMs = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const res = await gw.request('GET', `/mcp/servers/${name}`);
    const server = res.body.server as Record<string, unknown> | undefined;
    if (server && statuses.includes(String(server.status))) return server;
    if (Date.now() > deadline) throw new Error(`server ${name} never reached ${statuses.join('/')}: ${JSON.stringify(server)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
