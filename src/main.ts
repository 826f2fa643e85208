import { createServer } from 'node:http';
import { loadConfig } from './config.js';
import { openCrypto, openStorage, securityOptions } from './bootstrap.js';
import { startGateway } from './gateway.js';
import { createLogger } from './logger.js';
import { createUrlPolicy, parseNetworkList } from './net/urlSafety.js';
import { packageSettingsFrom } from './runtime/packages/createPackageManager.js';

/** The composition root: the only module that reads process.env and owns process-wide hooks. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.LOG_LEVEL });
  const storage = await openStorage(config, logger);
  const { secretBox, linkKey } = await openCrypto(config, logger, storage.dataKeys);
  const security = await securityOptions(config, logger, linkKey);
  const store = storage.events;

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
    },
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    logLines: config.SERVER_LOG_LINES,
    maxMessageBytes: config.MAX_MESSAGE_BYTES,
    bodyLimit: config.BODY_LIMIT,
    parentEnv: process.env,
    remote: {
      urlPolicy: createUrlPolicy({ allow: parseNetworkList(config.OUTBOUND_ALLOW_NETWORKS), deny: parseNetworkList(config.OUTBOUND_DENY_NETWORKS) }),
      idleTimeoutMs: config.REMOTE_IDLE_TIMEOUT_MS,
      oauthRequestTimeoutMs: config.OAUTH_REQUEST_TIMEOUT_MS,
    },
    packages: packageSettingsFrom(config),
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
  });
  // Last line of defence: whatever way the process ends, no child process group outlives it.
  process.on('exit', () => gateway.registry.killAllSync('SIGKILL'));

  const server = createServer(gateway.app.callback());
  server.listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    logger.info('mcp-api listening', { host: config.HOST, port, dataDir: config.DATA_DIR, eventStore: storage.kind, auth: config.AUTH, servers: gateway.projector.readModels.servers.size });
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    server.close();
    server.closeAllConnections();
    void gateway
      .close()
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
