import { join } from 'node:path';
import { createServer } from 'node:http';
import { loadConfig } from './config.js';
import { openCrypto, openStorage, securityOptions } from './bootstrap.js';
import { startGateway } from './gateway.js';
import { listen, ListenError, trackRequests } from './httpServer.js';
import { createLogger } from './logger.js';
import { readEnvironment } from './envFile.js';
import { observabilityOptions } from './observabilityOptions.js';
import { openSandbox } from './sandboxBootstrap.js';
import { listenerOptions, withSecretFiles } from './sandboxConfig.js';
import { createUrlPolicy, parseNetworkList } from './net/urlSafety.js';
import { packageSettingsFrom } from './runtime/packages/createPackageManager.js';
import { readGatewayId } from './runtime/packages/gatewayId.js';
import { ProcessLedger, reapOrphans } from './runtime/stdio/processLedger.js';
import { ProcessRegistry } from './runtime/stdio/processRegistry.js';

/** Exit code when the HTTP address cannot be bound (port in use, no permission); a bad configuration is 1. */
const EXIT_CANNOT_LISTEN = 2;

/** The composition root: the only module that reads process.env and owns process-wide hooks. */
async function main(): Promise<void> {
  const { env: settings, fromFile } = readEnvironment();
  const env = withSecretFiles(settings);
  const config = loadConfig(env);
  const logger = createLogger({ level: config.LOG_LEVEL });
  // Names and counts only: a .env holds secrets.
  if (fromFile > 0) logger.info('read settings from .env', { settings: fromFile });
  const sandbox = await openSandbox(config, logger, env);
  const storage = await openStorage(config, logger);
  const { secretBox, linkKey } = await openCrypto(config, logger, storage.dataKeys);
  const security = await securityOptions(config, logger, linkKey);
  const store = storage.events;
  // After the store's lock: this is the only gateway on this DATA_DIR (file store), or ledgers of live ones are kept.
  const runDir = join(config.DATA_DIR, 'run');
  const reaped = reapOrphans(runDir);
  if (reaped.groups > 0) logger.warn('stopped server processes a previous run left behind', { ...reaped });
  const ledger = ProcessLedger.open(runDir, (error) =>
    logger.warn('cannot record server processes; a SIGKILLed gateway may leave them running', { error }),
  );
  if (!ledger)
    logger.warn('no /proc: server processes are not recorded, a SIGKILLed gateway may leave them running');
  const registry = new ProcessRegistry(ledger);

  const gateway = await startGateway({
    store,
    secretBox,
    logger,
    security,
    defaults: { timeout: config.TOOL_TIMEOUT_MS, startupTimeout: config.STARTUP_TIMEOUT_MS },
    policy: {
      initialDelayMs: config.RESTART_INITIAL_DELAY_MS,
      maxDelayMs: config.RESTART_MAX_DELAY_MS,
      factor: 2,
      breakerThreshold: config.CRASH_LOOP_THRESHOLD,
      breakerWindowMs: config.CRASH_LOOP_WINDOW_MS,
      ...(config.CRASH_LOOP_COOLDOWN_MS > 0 ? { breakerCooldownMs: config.CRASH_LOOP_COOLDOWN_MS } : {}),
    },
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    logLines: config.SERVER_LOG_LINES,
    maxMessageBytes: config.MAX_MESSAGE_BYTES,
    bodyLimit: config.BODY_LIMIT,
    // Children get an allow-list of this, never the secrets read from *_FILE.
    parentEnv: settings,
    ...(sandbox ? { sandbox } : {}),
    remote: {
      urlPolicy: createUrlPolicy({
        allow: parseNetworkList(config.OUTBOUND_ALLOW_NETWORKS),
        deny: parseNetworkList(config.OUTBOUND_DENY_NETWORKS),
      }),
      idleTimeoutMs: config.REMOTE_IDLE_TIMEOUT_MS,
      oauthRequestTimeoutMs: config.OAUTH_REQUEST_TIMEOUT_MS,
    },
    packages: packageSettingsFrom(config, await readGatewayId(config.DATA_DIR)),
    snapshots: storage.snapshots,
    acceptShorterLog: config.EVENT_LOG_ACCEPT_SHORTER,
    perUser: {
      idleTimeoutMs: config.PER_USER_IDLE_TIMEOUT_MS,
      maxPerServer: config.PER_USER_MAX_PROCESSES_PER_SERVER,
      maxTotal: config.PER_USER_MAX_PROCESSES,
    },
    mcp: {
      maxSessionsPerUser: config.MCP_MAX_SESSIONS_PER_USER,
      sessionIdleTimeoutMs: config.MCP_SESSION_IDLE_TIMEOUT_MS,
      maxConcurrentCallsPerSession: config.MCP_MAX_CONCURRENT_CALLS_PER_SESSION,
    },
    startConcurrency: config.SERVER_START_CONCURRENCY,
    registry,
    // Listen first: a cold start with hundreds of servers must not keep /healthz unanswered.
    deferServerStart: true,
    ...observabilityOptions(config),
  });
  // Last line of defence: whatever way the process ends, no child process group outlives it.
  process.on('exit', () => {
    gateway.registry.killAllSync('SIGKILL');
    ledger?.discard();
  });

  // Idle or slow clients are cut off and connections capped below the fd limit, so sockets nobody
  // authenticates cannot starve the event log, child pipes and real clients of file descriptors.
  const server = createServer(listenerOptions(config), gateway.app.callback());
  server.maxConnections = config.HTTP_MAX_CONNECTIONS;
  const http = trackRequests(server);
  try {
    await listen(server, config.PORT, config.HOST);
  } catch (e) {
    if (!(e instanceof ListenError)) throw e;
    logger.error(`cannot listen: ${e.message}`, { code: e.code });
    await gateway
      .close()
      .then(() => storage.close())
      .catch(() => undefined);
    process.exit(EXIT_CANNOT_LISTEN);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info('mcp-api listening', {
    host: config.HOST,
    port,
    dataDir: config.DATA_DIR,
    eventStore: storage.kind,
    auth: config.AUTH,
    servers: gateway.projector.readModels.servers.size,
  });
  gateway.startServers();

  // SIGTERM: /readyz turns 503 at once, no new connection is accepted, in-flight requests get up to
  // DRAIN_TIMEOUT_MS to finish, then the servers stop (their ladder) and the store closes.
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', {
      signal,
      inFlight: http.inFlight,
      drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
    });
    gateway.beginShutdown();
    void http
      .drain(config.DRAIN_TIMEOUT_MS)
      .then((cut) => {
        if (cut > 0) logger.warn('drain deadline passed: requests cut off', { requests: cut });
        return gateway.close();
      })
      .then(() => storage.close())
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        logger.error('shutdown failed', { error: e });
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`mcp-api failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
