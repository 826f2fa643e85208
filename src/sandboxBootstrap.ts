import { resolve } from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { probeSandbox } from './runtime/sandbox/probe.js';
import { createSandbox, type Sandbox } from './runtime/sandbox/sandbox.js';

/** The limits installers (npm, pip) run with: generous, since they build native modules. */
const INSTALLER_LIMITS = { memoryMb: 8192, processes: 2048, openFiles: 16_384 };
const INSTALLER_TMP_MB = 2048;
const NOBODY = 65534;

/**
 * The sandbox from the configuration: probed once (the gateway refuses to start, saying why, if
 * bubblewrap cannot work here); SANDBOX=off is warned about at every start.
 */
export async function openSandbox(
  config: Config,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): Promise<Sandbox | undefined> {
  if (config.SANDBOX === 'off') {
    logger.warn(
      "SANDBOX=off: MCP servers and package installers run UNSANDBOXED as the gateway's own OS user; " +
        'they can read DATA_DIR (keys, event log) and signal the gateway. ' +
        'Use only on hosts without namespaces, with trusted servers.',
    );
    return undefined;
  }
  const probe = await probeSandbox({
    bwrap: config.SANDBOX_BWRAP,
    path: env.PATH ?? '/usr/bin:/bin',
    nodePath: process.execPath,
    uid: process.getuid?.() ?? -1,
    sandboxUid: NOBODY,
    sandboxGid: NOBODY,
  });
  if (!probe.ok) throw new Error(`the server sandbox does not work on this host: ${probe.reason}`);
  const files = [config.SECRETS_KEY_FILE, config.ADMIN_TOKEN_FILE].flatMap((f) => (f ? [resolve(f)] : []));
  const sandbox = createSandbox({
    host: probe.host,
    hidden: [config.DATA_DIR, config.PACKAGES_DIR, config.PYTHON_VENV_DIR, ...files],
    installRoots: [resolve(config.PACKAGES_DIR, 'npm'), config.PYTHON_VENV_DIR],
    serverLimits: {
      memoryMb: config.SANDBOX_MEMORY_MB,
      processes: config.SANDBOX_PROCESSES,
      openFiles: config.SANDBOX_OPEN_FILES,
      ...(config.SANDBOX_CPU_SECONDS > 0 ? { cpuSeconds: config.SANDBOX_CPU_SECONDS } : {}),
    },
    installerLimits: INSTALLER_LIMITS,
    serverTmpMb: config.SANDBOX_TMP_MB,
    installerTmpMb: INSTALLER_TMP_MB,
    uid: NOBODY,
    gid: NOBODY,
  });
  logger.info('server sandbox on (bubblewrap)', {
    bwrap: probe.host.bwrap,
    memoryMb: config.SANDBOX_MEMORY_MB,
    processes: config.SANDBOX_PROCESSES,
  });
  return sandbox;
}
