import type { StreamableHttpTransport } from '../../events/serverEvents.js';
import { AppError } from '../../errors.js';
import type { Entry, PackageSpec } from '../../events/packageEvents.js';
import type { ServerConfig } from '../../events/serverEvents.js';
import type { Sealed } from '../../events/secretEvents.js';
import type { JobIO } from './npmInstaller.js';
import { messageOf, onPackage, onServer, type PackageContext } from './packageContext.js';
import type { Job } from './packageJobs.js';

/** A validated install request (POST /packages/install after zod and the package validators). */
/** The entry recorded for a streamable_http package: there is no command to run. */
export const REMOTE_ENTRY = '(remote)';

export interface InstallRequest {
  readonly name: string;
  readonly version?: string;
  readonly serverName: string;
  readonly runtime: 'node' | 'python';
  readonly command?: string;
  readonly args: string[];
  /** Plain env values; credential-looking ones arrive in `sealedEnv`, sealed by the route. */
  readonly env: Record<string, string>;
  readonly sealedEnv?: Record<string, Sealed>;
  readonly enabled: boolean;
  readonly secretNames?: string[];
  readonly secretDelivery?: 'args' | 'env';
  readonly timeout?: number;
  readonly startupTimeout?: number;
  readonly allowScripts: boolean;
  readonly failOnWarning: boolean;
  readonly pythonModule?: string;
  readonly pythonArgs: string[];
  readonly pipIndexUrl?: string;
  readonly pipExtraIndexUrl?: string;
  readonly pipDependencies?: string[];
  /** streamable_http installs: the remote server to register; no stdio command is ever resolved. */
  readonly remote?: StreamableHttpTransport;
}

export interface JobOutcome {
  readonly serverName: string;
}

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

export function specOf(req: InstallRequest): PackageSpec {
  return {
    runtime: req.runtime,
    name: req.name,
    ...optional('requestedVersion', req.version),
    allowScripts: req.allowScripts,
    customCommand: req.command !== undefined,
    ...optional('pythonModule', req.pythonModule),
    ...(req.runtime === 'python' ? { pythonArgs: req.pythonArgs } : {}),
    ...optional('pipIndexUrl', req.pipIndexUrl),
    ...optional('pipExtraIndexUrl', req.pipExtraIndexUrl),
    ...optional('pipDependencies', req.pipDependencies),
  };
}

/**
 * Install = PackageInstallStarted → install files → RegisterServer (server stream) → PackageInstalled.
 * The server is registered only after the files are in place, and any failure after that removes
 * it again, so a failed install never leaves a half-registered server. A crash between the steps
 * is closed by recovery at the next start (see packageRecovery.ts).
 */
export async function startInstall(
  ctx: PackageContext,
  req: InstallRequest,
  correlationId?: string,
): Promise<Job<JobOutcome>> {
  const { serverName } = req;
  if (ctx.projector.readModels.servers.has(serverName)) {
    throw new AppError('server_already_exists', `Server with name ${serverName} already exists`, {
      serverName,
    });
  }
  const installId = ctx.newId();
  const serverId = ctx.newId();
  const spec = specOf(req);
  const installPath = ctx.roots.pathFor(req.runtime, serverName);
  return ctx.jobs.start(
    serverName,
    'install',
    () =>
      onPackage(
        ctx,
        serverName,
        { type: 'StartInstall', data: { installId, serverName, serverId, spec, installPath } },
        correlationId,
      ),
    (io) => runInstall(ctx, req, spec, { installId, serverId, installPath }, io, correlationId),
  );
}

async function runInstall(
  ctx: PackageContext,
  req: InstallRequest,
  spec: PackageSpec,
  ids: { installId: string; serverId: string; installPath: string },
  io: JobIO,
  correlationId?: string,
): Promise<JobOutcome> {
  const { serverName } = req;
  let registered = false;
  try {
    const dir = await ctx.roots.prepare(req.runtime, serverName, ids.installId);
    const { version, entry, env } =
      req.runtime === 'node'
        ? await installNpm(ctx, dir, req, spec, io)
        : await installPython(ctx, dir, req, spec, io);
    io.log(`installed ${req.name}@${version}`);
    const config: ServerConfig = {
      transport: req.remote ?? {
        transportType: 'stdio',
        command: entry.command,
        args: entry.args,
        env: { ...env, ...req.env },
        ...(req.sealedEnv && Object.keys(req.sealedEnv).length > 0 ? { sealedEnv: req.sealedEnv } : {}),
      },
      ...optional('secretNames', req.secretNames),
      timeout: req.timeout ?? ctx.defaults.timeout,
      startupTimeout: req.startupTimeout ?? ctx.defaults.startupTimeout,
      ...(req.secretDelivery === 'env' ? { secretDelivery: 'env' as const } : {}),
    };
    await onServer(
      ctx,
      serverName,
      {
        type: 'RegisterServer',
        data: { serverId: ids.serverId, name: serverName, config, enabled: req.enabled },
      },
      correlationId,
    );
    registered = true;
    await onPackage(
      ctx,
      serverName,
      { type: 'CompleteInstall', data: { installId: ids.installId, version, entry } },
      correlationId,
    );
    io.log(`registered server ${serverName}`);
    ctx.logger.info('package installed', { serverName, package: req.name, version, runtime: req.runtime });
    return { serverName };
  } catch (e) {
    io.log(`install failed: ${messageOf(e)}`);
    ctx.logger.warn('package install failed', {
      serverName,
      package: req.name,
      runtime: req.runtime,
      error: messageOf(e),
    });
    const log = (what: string) => (err: unknown) =>
      ctx.logger.error(`install rollback: ${what} failed`, { serverName, error: err });
    if (registered)
      await onServer(ctx, serverName, {
        type: 'RemoveServer',
        data: { name: serverName, serverId: ids.serverId },
      }).catch(log('remove server'));
    await onPackage(ctx, serverName, {
      type: 'FailInstall',
      data: { installId: ids.installId, error: messageOf(e), interrupted: false },
    }).catch(log('record failure'));
    if (registered) await ctx.serversSettled();
    await ctx.roots.remove(req.runtime, serverName, ids.installId).catch(log('remove directory'));
    throw e;
  }
}

interface Installed {
  version: string;
  entry: Entry;
  env: Record<string, string>;
}

async function installNpm(
  ctx: PackageContext,
  dir: string,
  req: InstallRequest,
  spec: PackageSpec,
  io: JobIO,
): Promise<Installed> {
  await ctx.npm.install(dir, spec, req.version, io, req.failOnWarning);
  await ctx.npm.assertEngines(dir, req.name);
  const version = await ctx.npm.installedVersion(dir, req.name);
  // A remote server's package is installed for its files and version only: nothing of it is run.
  const entry = req.remote
    ? { command: REMOTE_ENTRY, args: [] }
    : req.command !== undefined
      ? { command: req.command, args: req.args }
      : await ctx.npm.entry(dir, req.name, req.args);
  return { version, entry, env: {} };
}

async function installPython(
  ctx: PackageContext,
  venv: string,
  req: InstallRequest,
  spec: PackageSpec,
  io: JobIO,
): Promise<Installed> {
  const module = req.pythonModule;
  if (module === undefined)
    throw new AppError('invalid_request', 'pythonModule is required for runtime "python"');
  await ctx.pip.ensureVenv(venv, io);
  await ctx.pip.install(venv, spec, req.version, false, io);
  await ctx.pip.checkModule(venv, module, io);
  const version = await ctx.pip.installedVersion(venv, req.name, io);
  const entry =
    req.command !== undefined
      ? { command: req.command, args: req.args }
      : ctx.pip.entry(venv, module, req.pythonArgs);
  return { version, entry, env: { VIRTUAL_ENV: venv, PYTHONUNBUFFERED: '1' } };
}
