import { messageOf, onPackage, onServer, type PackageContext } from './packageContext.js';

export const INTERRUPTED_INSTALL =
  'The gateway stopped during this install; it was rolled back. Install it again.';
export const INTERRUPTED_UPGRADE =
  'The gateway stopped during this upgrade; its files may be partly upgraded. Run the upgrade again.';

/**
 * Runs once at start, before any package job: closes what a crash left open and sweeps the roots.
 * - an install with no outcome: its server (if it got registered) is removed, PackageInstallFailed
 *   directory deleted and PackageInstallFailed {interrupted} recorded (in that order: a crash in
 *   between repeats the step), so it can be installed again;
 * - an upgrade with no outcome: PackageUpgradeFailed {interrupted}; the server keeps running;
 * - a directory carrying our marker that no live package owns (an uninstall that stopped before its
 *   delete, a rollback that could not finish) is deleted.
 */
export async function recoverPackages(ctx: PackageContext): Promise<void> {
  const log = ctx.logger.child({ component: 'package-recovery' });
  for (const view of [...ctx.projector.readModels.packages.values()]) {
    const { serverName } = view;
    try {
      if (view.status === 'installing') {
        await onServer(ctx, serverName, {
          type: 'RemoveServer',
          data: { name: serverName, serverId: view.serverId },
        });
        await ctx.serversSettled();
        await ctx.roots.remove(view.spec.runtime, serverName, view.installId);
        await onPackage(ctx, serverName, {
          type: 'FailInstall',
          data: { installId: view.installId, error: INTERRUPTED_INSTALL, interrupted: true },
        });
        log.warn('closed an interrupted install', { serverName });
      } else if (view.status === 'upgrading') {
        const upgradeId = view.upgradeId;
        if (upgradeId !== undefined) {
          await onPackage(ctx, serverName, {
            type: 'FailUpgrade',
            data: { upgradeId, error: INTERRUPTED_UPGRADE, interrupted: true },
          });
          log.warn('closed an interrupted upgrade', { serverName });
        }
      }
    } catch (e) {
      log.error('could not close an interrupted package job', { serverName, error: messageOf(e) });
    }
  }
  await ctx.serversSettled();
  for (const dir of await ctx.roots.listManaged()) {
    const view = ctx.projector.readModels.packages.get(dir.serverName);
    if (view && view.live && view.installId === dir.installId && view.spec.runtime === dir.runtime) continue;
    if (await ctx.roots.remove(dir.runtime, dir.serverName, dir.installId).catch(() => false)) {
      log.info('deleted an install directory no package owns', {
        serverName: dir.serverName,
        runtime: dir.runtime,
      });
    }
  }
}
