import type { PackageView } from '../../projections/packagesProjection.js';
import { startInstall, type InstallRequest, type JobOutcome } from './installFlow.js';
import { messageOf, type PackageContext } from './packageContext.js';
import type { Job } from './packageJobs.js';
import { recoverPackages } from './packageRecovery.js';
import { UpdateChecks, type UpdateInfo } from './updateChecks.js';
import { startUninstall, startUpgrade } from './upgradeFlow.js';

export interface UpgradeResult {
  readonly serverName: string;
  readonly success: boolean;
  readonly upgraded?: boolean;
  readonly fromVersion?: string;
  readonly version?: string;
  readonly error?: string;
}

/**
 * The package capability as the HTTP layer sees it. Every write waits for boot recovery first,
 * so no job ever races the clean-up of what a crash left behind; reads never wait.
 */
export class PackageManager {
  readonly updates: UpdateChecks;
  private ready: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: PackageContext) {
    this.updates = new UpdateChecks(ctx);
  }

  /** Starts boot recovery in the background; never rejects (failures are logged). */
  start(): Promise<void> {
    this.ready = recoverPackages(this.ctx).catch((e: unknown) =>
      this.ctx.logger.error('package recovery failed', { error: messageOf(e) }),
    );
    return this.ready;
  }

  async install(request: InstallRequest, correlationId?: string): Promise<Job<JobOutcome>> {
    await this.ready;
    return startInstall(this.ctx, request, correlationId);
  }

  async upgrade(serverName: string, version?: string, correlationId?: string): Promise<Job<JobOutcome>> {
    await this.ready;
    return startUpgrade(this.ctx, serverName, version, correlationId);
  }

  async uninstall(serverName: string, correlationId?: string): Promise<Job<JobOutcome>> {
    await this.ready;
    const job = await startUninstall(this.ctx, serverName, correlationId);
    void job.result.then(
      () => this.updates.forget(serverName),
      () => undefined,
    );
    return job;
  }

  /**
   * Checks every live package, then upgrades those with an update, one at a time (installs are
   * heavy). Every package gets a result; one failure does not stop the others.
   */
  async upgradeAll(correlationId?: string): Promise<UpgradeResult[]> {
    await this.ready;
    const results: UpgradeResult[] = [];
    for (const info of await this.updates.check())
      results.push(await this.upgradeIfNewer(info, correlationId));
    return results;
  }

  job(serverName: string): Job | undefined {
    return this.ctx.jobs.get(serverName);
  }

  list(): PackageView[] {
    return [...this.ctx.projector.readModels.packages.values()].sort((a, b) =>
      a.serverName.localeCompare(b.serverName),
    );
  }

  checkUpdates(serverNames?: readonly string[]): Promise<UpdateInfo[]> {
    return this.updates.check(serverNames);
  }

  /** Cancels running jobs (each records its failure and cleans up) before the store closes. */
  close(): Promise<void> {
    return this.ctx.jobs.abortAll();
  }

  private async upgradeIfNewer(info: UpdateInfo, correlationId?: string): Promise<UpgradeResult> {
    const base = { serverName: info.serverName, fromVersion: info.currentVersion };
    if (info.error !== undefined) return { ...base, success: false, error: info.error };
    if (!info.updateAvailable)
      return { ...base, success: true, upgraded: false, version: info.currentVersion };
    try {
      const job = await startUpgrade(this.ctx, info.serverName, info.latestVersion, correlationId);
      await job.result;
      const version = this.ctx.projector.readModels.packages.get(info.serverName)?.version;
      return { ...base, success: true, upgraded: true, ...(version === undefined ? {} : { version }) };
    } catch (e) {
      return { ...base, success: false, error: messageOf(e) };
    }
  }
}
