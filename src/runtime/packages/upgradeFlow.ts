import { packageNotFound } from '../../commands/packageDecider.js';
import { AppError } from '../../errors.js';
import type { Entry, PackageSpec } from '../../events/packageEvents.js';
import type { PackageView } from '../../projections/packagesProjection.js';
import type { JobOutcome } from './installFlow.js';
import type { JobIO } from './npmInstaller.js';
import { messageOf, onPackage, onServer, type PackageContext } from './packageContext.js';
import type { Job } from './packageJobs.js';
import { isDistTag } from '../../packages/validation.js';

const sameEntry = (a: Entry, b: Entry): boolean =>
  a.command === b.command && JSON.stringify(a.args) === JSON.stringify(b.args);

export function livePackage(ctx: PackageContext, serverName: string): PackageView {
  const view = ctx.projector.readModels.packages.get(serverName);
  if (!view || !view.live || view.version === undefined || view.entry === undefined)
    throw packageNotFound(serverName);
  return view;
}

/** What "upgrade" means without a version: the dist-tag the install asked for (npm), else latest. */
export function defaultTarget(spec: PackageSpec): string | undefined {
  if (spec.runtime === 'python') return undefined;
  return spec.requestedVersion !== undefined && isDistTag(spec.requestedVersion)
    ? spec.requestedVersion
    : 'latest';
}

/**
 * Upgrade = PackageUpgradeStarted → install the new version in place (npm prefix / venv) →
 * UpdateServer if the derived entry point moved (never for a custom command, nor when an operator
 * changed the server's command since) → PackageUpgraded, which restarts the server.
 * On failure: PackageUpgradeFailed; the server keeps running what it runs.
 */
export async function startUpgrade(
  ctx: PackageContext,
  serverName: string,
  version: string | undefined,
  correlationId?: string,
): Promise<Job<JobOutcome>> {
  const view = livePackage(ctx, serverName);
  const upgradeId = ctx.newId();
  const target = version ?? defaultTarget(view.spec);
  return ctx.jobs.start(
    serverName,
    'upgrade',
    () =>
      onPackage(
        ctx,
        serverName,
        {
          type: 'StartUpgrade',
          data: { upgradeId, serverName, ...(target === undefined ? {} : { targetVersion: target }) },
        },
        correlationId,
      ),
    (io) => runUpgrade(ctx, livePackage(ctx, serverName), upgradeId, target, io, correlationId),
  );
}

async function runUpgrade(
  ctx: PackageContext,
  view: PackageView,
  upgradeId: string,
  target: string | undefined,
  io: JobIO,
  correlationId?: string,
): Promise<JobOutcome> {
  const { serverName, spec } = view;
  const oldEntry = view.entry as Entry;
  try {
    const dir = ctx.roots.pathFor(spec.runtime, serverName);
    let version: string;
    let entry = oldEntry;
    if (spec.runtime === 'node') {
      await ctx.npm.install(dir, spec, target, io);
      await ctx.npm.assertEngines(dir, spec.name);
      version = await ctx.npm.installedVersion(dir, spec.name);
      if (!spec.customCommand && oldEntry.command === 'node')
        entry = await ctx.npm.entry(dir, spec.name, oldEntry.args.slice(1));
    } else {
      await ctx.pip.ensureVenv(dir, io);
      await ctx.pip.install(dir, spec, target, true, io);
      if (spec.pythonModule) await ctx.pip.checkModule(dir, spec.pythonModule, io);
      version = await ctx.pip.installedVersion(dir, spec.name, io);
    }
    io.log(`installed ${spec.name}@${version} (was ${view.version ?? '?'})`);
    const server = ctx.projector.readModels.servers.get(serverName);
    // Only our own derived entry is rewritten: an operator's PUT /mcp/servers change is kept.
    if (
      server &&
      server.serverId === view.serverId &&
      !sameEntry(entry, oldEntry) &&
      server.config.transport.transportType === 'stdio' &&
      sameEntry(server.config.transport, oldEntry)
    ) {
      await onServer(
        ctx,
        serverName,
        {
          type: 'UpdateServer',
          data: { name: serverName, patch: { command: entry.command, args: entry.args } },
        },
        correlationId,
      );
    }
    await onPackage(
      ctx,
      serverName,
      { type: 'CompleteUpgrade', data: { upgradeId, version, entry } },
      correlationId,
    );
    ctx.logger.info('package upgraded', {
      serverName,
      package: spec.name,
      fromVersion: view.version,
      version,
    });
    return { serverName };
  } catch (e) {
    io.log(`upgrade failed: ${messageOf(e)}`);
    ctx.logger.warn('package upgrade failed', { serverName, package: spec.name, error: messageOf(e) });
    await onPackage(ctx, serverName, {
      type: 'FailUpgrade',
      data: { upgradeId, error: messageOf(e), interrupted: false },
    }).catch((err: unknown) =>
      ctx.logger.error('could not record a failed upgrade', { serverName, error: err }),
    );
    throw e;
  }
}

/**
 * Uninstall = RemoveServer (this registration only; its process is stopped and waited for) →
 * PackageUninstalled → delete the install directory (only if it carries our marker for this
 * install). A crash before the delete leaves an orphan directory that the next start removes.
 */
export async function startUninstall(
  ctx: PackageContext,
  serverName: string,
  correlationId?: string,
): Promise<Job<JobOutcome>> {
  const view = ctx.projector.readModels.packages.get(serverName);
  if (!view) throw packageNotFound(serverName);
  if (view.status === 'installing' || view.status === 'upgrading') {
    throw new AppError(
      'package_busy',
      `The package of server ${serverName} is ${view.status}; try again when it has finished`,
      { serverName },
    );
  }
  return ctx.jobs.start(
    serverName,
    'uninstall',
    async () => undefined,
    async (io) => {
      io.log(`removing server ${serverName}`);
      await onServer(
        ctx,
        serverName,
        { type: 'RemoveServer', data: { name: serverName, serverId: view.serverId } },
        correlationId,
      );
      await ctx.serversSettled();
      await onPackage(ctx, serverName, { type: 'Uninstall', data: { serverName } }, correlationId);
      const removed = await ctx.roots.remove(view.spec.runtime, serverName, view.installId);
      io.log(removed ? `deleted ${view.installPath}` : 'no install directory to delete');
      return { serverName };
    },
  );
}
