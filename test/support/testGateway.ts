import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { memoryDataKeyStore } from '../../src/crypto/dataKeyStore.js';
import { deriveKey } from '../../src/crypto/secretBox.js';
import { createUserSecretBox, type UserSecretBox } from '../../src/crypto/userSecretBox.js';
import type { SecurityOptions } from '../../src/http/securityOptions.js';
import { suiteCanaries } from './suiteCanaries.js';
import type { EventStore } from '../../src/events/eventStore.js';
import type { SnapshotStore } from '../../src/events/snapshotStore.js';
import { openFileEventStore } from '../../src/events/fileEventStore.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';
import { createLogger } from '../../src/logger.js';
import type { RemoteOptions } from '../../src/runtime/remote/remoteDeps.js';
import { createUrlPolicy } from '../../src/net/urlSafety.js';
import type { PackageSettings } from '../../src/runtime/packages/createPackageManager.js';
import { FIXTURE_SERVER } from '../runtime/processTestUtils.js';
import type { AuditSettings } from '../../src/audit/auditTrail.js';
import type { Telemetry } from '../../src/telemetry/telemetry.js';
import { testSandbox } from './testSandbox.js';
import type { SandboxSettings } from '../../src/runtime/sandbox/sandbox.js';

export { FIXTURE_SERVER };

/** Derived once per test run: scrypt is deliberately slow. */
let sharedKeys: Map<number, Buffer> | undefined;
let sharedBox: UserSecretBox | undefined;
export const TEST_KEY_MATERIAL = 'test-only key material: 0123456789abcdefghij';
export function testMasterKeys(): Map<number, Buffer> {
  sharedKeys ??= new Map([[1, deriveKey(TEST_KEY_MATERIAL, 1)]]);
  return sharedKeys;
}
/** One per-user-key box for the whole run (data keys in memory), shared like a cluster's key store. */
export function testSecretBox(): UserSecretBox {
  sharedBox ??= createUserSecretBox({ masterKeys: testMasterKeys(), store: memoryDataKeyStore() });
  return sharedBox;
}

/** Security options for a test gateway: token auth with the given admin token, loopback Host names, generous limits. */
export function testSecurityOptions(
  adminToken: string,
  overrides: Partial<SecurityOptions> = {},
): SecurityOptions {
  return {
    auth: { mode: 'token', adminToken },
    origins: { allowedHosts: ['localhost', '127.0.0.1', '[::1]'], allowedOrigins: [] },
    limits: { maxSecretsPerUser: 500, maxSecretValueBytes: 65_536, toolCallsPerMinute: 0, toolCallBurst: 1 },
    google: { loginTtlMs: 600_000 },
    linkKey: randomBytes(32),
    ...overrides,
  };
}

/** Per request: `token` overrides the admin token (`null` sends none); extra headers are added as given. */
export interface RequestOptions {
  token?: string | null;
  headers?: Record<string, string>;
}

export interface TestGateway {
  readonly url: string;
  readonly gateway: Gateway;
  readonly store: EventStore;
  readonly dataDir: string;
  /** Every log line the gateway wrote, for canary checks. */
  readonly logs: string[];
  /** The admin token `request()` sends by default. */
  readonly adminToken: string;
  request(
    method: string,
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<{ status: number; body: Record<string, unknown>; text: string; headers: Headers }>;
  /** Issues a user token through POST /auth/tokens (as admin). */
  issueToken(username: string, extra?: Record<string, unknown>): Promise<{ token: string; tokenId: string }>;
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
  policy?: Partial<{
    initialDelayMs: number;
    maxDelayMs: number;
    factor: number;
    breakerThreshold: number;
    breakerWindowMs: number;
    breakerCooldownMs: number;
  }>;
  perUser?: GatewayOptions['perUser'];
  mcp?: GatewayOptions['mcp'];
  /** Remote-server settings; by default loopback is allowed, since test servers listen on 127.0.0.1. */
  remote?: RemoteOptions;
  /** Use this store (e.g. one memory store shared by two gateways) instead of a file store; not closed on stop. */
  store?: EventStore;
  /** Another store (e.g. Mongo) instead of the file store in dataDir; stop() calls its close(). */
  storage?: { events: EventStore; snapshots?: SnapshotStore; close(): Promise<void> };
  checkpointIntervalMs?: number;
  secretBox?: UserSecretBox;
  security?: Partial<SecurityOptions>;
  clock?: () => Date;
  /** Run servers and installers in a real bubblewrap sandbox (hiding the data dir); `true` for the test defaults. */
  sandbox?: true | Partial<SandboxSettings>;
  /** Turns on the gateway's OAuth authorization server, with PUBLIC_URL set to the gateway's own address. */
  oauth?: NonNullable<SecurityOptions['authServer']>;
  upstreamCapabilities?: GatewayOptions['upstreamCapabilities'];
  maxMessageBytes?: number;
  /** Tracing (default off). */
  telemetry?: Telemetry;
  /** The audit trail; default on in <dataDir>/audit with a short flush interval; false: none. */
  audit?: Partial<AuditSettings> | false;
  metricLabels?: GatewayOptions['metricLabels'];
}

/** A real gateway on the real file event store, listening on an ephemeral loopback port. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'mcp-api-test-')));
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const store =
    options.store ??
    options.storage?.events ??
    (await openFileEventStore({ dir: join(dataDir, 'events'), logger }));
  const closeStore = options.store
    ? async () => undefined
    : options.storage
      ? () => options.storage!.close()
      : () => store.close();
  const adminToken = `admin-${randomUUID()}-${randomUUID()}`;
  suiteCanaries.add(adminToken, dataDir);
  const npmRoot = options.packages?.npmRoot ?? join(dataDir, 'packages', 'npm');
  const venvRoot = options.packages?.venvRoot ?? join(dataDir, 'packages', 'python');
  // bwrap runs as nobody when the tests run as root: it must be able to walk to install dirs under the 0700 temp dir.
  // TEST_SANDBOX=1 runs every test gateway sandboxed (a whole-suite check that the sandbox breaks nothing).
  const sandboxed = options.sandbox ?? (process.env.TEST_SANDBOX === '1' ? true : undefined);
  if (sandboxed) await chmod(dataDir, 0o711);
  const sandbox = sandboxed
    ? await testSandbox({
        hidden: [dataDir],
        installRoots: [npmRoot, venvRoot],
        overrides: sandboxed === true ? {} : sandboxed,
      })
    : undefined;
  // Listening first: the authorization server's issuer is the gateway's own URL.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const oauth = options.oauth ? { publicUrl: url, authServer: options.oauth } : {};
  const gateway = await startGateway({
    ...(sandbox ? { sandbox } : {}),
    ...(options.storage?.snapshots ? { snapshots: options.storage.snapshots } : {}),
    ...(options.checkpointIntervalMs ? { checkpointIntervalMs: options.checkpointIntervalMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    store,
    secretBox: options.secretBox ?? testSecretBox(),
    logger,
    security: testSecurityOptions(adminToken, { ...oauth, ...options.security }),
    ...(options.clock ? { clock: options.clock } : {}),
    defaults: { timeout: 10_000, startupTimeout: 10_000 },
    policy: {
      initialDelayMs: 50,
      maxDelayMs: 500,
      factor: 2,
      breakerThreshold: 3,
      breakerWindowMs: 10_000,
      ...options.policy,
    },
    shutdownGraceMs: 500,
    logLines: 50,
    bodyLimit: options.bodyLimit ?? '64kb',
    parentEnv: options.parentEnv ?? process.env,
    newId: randomUUID,
    ...(options.perUser ? { perUser: options.perUser } : {}),
    ...(options.upstreamCapabilities ? { upstreamCapabilities: options.upstreamCapabilities } : {}),
    ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
    ...(options.mcp ? { mcp: options.mcp } : {}),
    remote: { urlPolicy: createUrlPolicy({ allow: ['loopback'] }), ...options.remote },
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    ...(options.metricLabels ? { metricLabels: options.metricLabels } : {}),
    ...(options.audit === false
      ? {}
      : { audit: { dir: join(dataDir, 'audit'), flushIntervalMs: 20, retentionDays: 0, ...options.audit } }),
    ...(options.clock ? { clock: options.clock } : {}),
    packages: {
      npmRoot,
      venvRoot,
      npmBin: 'npm',
      pythonBin: 'python3',
      installTimeoutMs: 120_000,
      checkTimeoutMs: 10_000,
      ...options.packages,
    },
  });
  server.on('request', gateway.app.callback());
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gateway.close();
    await closeStore();
    await suiteCanaries.collect(logs, dataDir);
  };
  const request: TestGateway['request'] = async (method, path, body, requestOptions = {}) => {
    const token = requestOptions.token === undefined ? adminToken : requestOptions.token;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...requestOptions.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const init: RequestInit = { method, headers, redirect: 'manual' };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    suiteCanaries.noteRequest(body, dataDir);
    const res = await fetch(url + path, init);
    const text = await res.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = {};
    }
    if (typeof parsed.token === 'string') suiteCanaries.add(parsed.token, dataDir);
    return { status: res.status, body: parsed, text, headers: res.headers };
  };

  return {
    url,
    gateway,
    store,
    dataDir,
    logs,
    adminToken,
    request,
    async issueToken(username, extra = {}) {
      const res = await request('POST', '/auth/tokens', { username, ...extra });
      if (res.status !== 200) throw new Error(`issuing a token failed: ${res.text}`);
      return { token: String(res.body.token), tokenId: String(res.body.tokenId) };
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
  return {
    name,
    transportType: 'stdio',
    command: process.execPath,
    args: [FIXTURE_SERVER],
    env: {},
    ...extra,
  };
}

/** Polls GET /mcp/servers/:name until its status is one of `statuses`. */
export async function waitForStatus(
  gw: TestGateway,
  name: string,
  statuses: string[],
  limitMs = 15_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const res = await gw.request('GET', `/mcp/servers/${name}`);
    const server = res.body.server as Record<string, unknown> | undefined;
    if (server && statuses.includes(String(server.status))) return server;
    if (Date.now() > deadline)
      throw new Error(`server ${name} never reached ${statuses.join('/')}: ${JSON.stringify(server)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
