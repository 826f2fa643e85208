import type { EventStore } from '../../events/eventStore.js';
import type { Logger } from '../../logger.js';
import type { Projector } from '../../projections/projector.js';
import type { ProcessRegistry } from '../stdio/processRegistry.js';
import type { SpawnWrapper } from '../sandbox/sandbox.js';
import { InstallRoots } from './installRoots.js';
import { NpmInstaller } from './npmInstaller.js';
import { PackageJobs } from './packageJobs.js';
import { PackageManager } from './packageManager.js';
import { PipInstaller } from './pipInstaller.js';
import { createProcessRunner, type RunProcess } from './processRunner.js';

/** Package management settings (from PACKAGES_DIR, PYTHON_*, NPM_*, PIP_* and the timeouts). */
export interface PackageSettings {
  /** npm prefixes live at <npmRoot>/<serverName> (PACKAGES_DIR/npm). */
  readonly npmRoot: string;
  /** Python venvs live at <venvRoot>/<serverName> (PYTHON_VENV_DIR). */
  readonly venvRoot: string;
  readonly npmBin: string;
  readonly pythonBin: string;
  readonly npmRegistry?: string;
  readonly pipIndexUrl?: string;
  readonly pipExtraIndexUrl?: string;
  readonly installTimeoutMs: number;
  readonly checkTimeoutMs: number;
  /** This gateway's DATA_DIR identity, written into every install directory's marker (see gatewayId.ts). */
  readonly owner?: string;
  /** The Node version packages' engines.node must accept; default: the gateway's own (tests pin it). */
  readonly nodeVersion?: string;
  /** Replaces the process runner (tests count spawns through it). */
  readonly runProcess?: RunProcess;
}

export interface PackageManagerDeps {
  readonly settings: PackageSettings;
  readonly store: EventStore;
  readonly projector: Projector;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly parentEnv: NodeJS.ProcessEnv;
  readonly registry: ProcessRegistry;
  /** npm, pip and venv runs go through it; absent: unsandboxed. */
  readonly sandbox?: SpawnWrapper | undefined;
  readonly serversSettled: () => Promise<void>;
  readonly defaults: { readonly timeout: number; readonly startupTimeout: number };
}

export function createPackageManager(deps: PackageManagerDeps): PackageManager {
  const { settings } = deps;
  const run = settings.runProcess ?? createProcessRunner(deps.registry, deps.sandbox);
  const common = {
    parentEnv: deps.parentEnv,
    run,
    installTimeoutMs: settings.installTimeoutMs,
    checkTimeoutMs: settings.checkTimeoutMs,
  };
  return new PackageManager({
    store: deps.store,
    projector: deps.projector,
    roots: new InstallRoots(settings.npmRoot, settings.venvRoot, settings.owner),
    npm: new NpmInstaller({
      ...common,
      npmBin: settings.npmBin,
      ...(settings.npmRegistry ? { registry: settings.npmRegistry } : {}),
      ...(settings.nodeVersion ? { nodeVersion: settings.nodeVersion } : {}),
    }),
    pip: new PipInstaller({
      ...common,
      pythonBin: settings.pythonBin,
      ...(settings.pipIndexUrl ? { indexUrl: settings.pipIndexUrl } : {}),
      ...(settings.pipExtraIndexUrl ? { extraIndexUrl: settings.pipExtraIndexUrl } : {}),
    }),
    jobs: new PackageJobs(deps.newId, deps.clock),
    logger: deps.logger.child({ component: 'packages' }),
    clock: deps.clock,
    newId: deps.newId,
    serversSettled: deps.serversSettled,
    defaults: deps.defaults,
  });
}

/** Settings from the validated configuration (the composition root's and the CLI's shape) and the DATA_DIR identity. */
export function packageSettingsFrom(
  config: {
    PACKAGES_DIR: string;
    PYTHON_VENV_DIR: string;
    PYTHON_BIN: string;
    NPM_BIN: string;
    NPM_REGISTRY?: string | undefined;
    PIP_INDEX_URL?: string | undefined;
    PIP_EXTRA_INDEX_URL?: string | undefined;
    PACKAGE_INSTALL_TIMEOUT_MS: number;
    PACKAGE_CHECK_TIMEOUT_MS: number;
  },
  owner?: string,
): PackageSettings {
  return {
    ...(owner === undefined ? {} : { owner }),
    npmRoot: `${config.PACKAGES_DIR}/npm`,
    venvRoot: config.PYTHON_VENV_DIR,
    npmBin: config.NPM_BIN,
    pythonBin: config.PYTHON_BIN,
    ...(config.NPM_REGISTRY ? { npmRegistry: config.NPM_REGISTRY } : {}),
    ...(config.PIP_INDEX_URL ? { pipIndexUrl: config.PIP_INDEX_URL } : {}),
    ...(config.PIP_EXTRA_INDEX_URL ? { pipExtraIndexUrl: config.PIP_EXTRA_INDEX_URL } : {}),
    installTimeoutMs: config.PACKAGE_INSTALL_TIMEOUT_MS,
    checkTimeoutMs: config.PACKAGE_CHECK_TIMEOUT_MS,
  };
}
