import type { PackageView } from '../../projections/packagesProjection.js';
import { messageOf, type PackageContext } from './packageContext.js';
import { isNewer } from './versions.js';

export interface UpdateInfo {
  readonly serverName: string;
  readonly currentVersion: string;
  readonly latestVersion?: string;
  readonly updateAvailable: boolean;
  readonly error?: string;
}

interface Checked {
  readonly latestVersion: string;
  readonly checkedAt: string;
}

const CONCURRENCY = 4;

/**
 * Asks the registry (npm view dist-tags) or the simple index (pip) what the newest version is,
 * with a timeout each. Results are runtime state: kept in memory to show latestVersion and
 * updateAvailable on the package views, never written as events.
 */
export class UpdateChecks {
  private readonly latest = new Map<string, Checked>();

  constructor(private readonly ctx: PackageContext) {}

  /** Checks the named packages (all live ones by default), a few at a time. */
  async check(serverNames?: readonly string[]): Promise<UpdateInfo[]> {
    const views = [...this.ctx.projector.readModels.packages.values()]
      .filter(
        (v) =>
          v.live &&
          v.version !== undefined &&
          (serverNames === undefined || serverNames.includes(v.serverName)),
      )
      .sort((a, b) => a.serverName.localeCompare(b.serverName));
    const results: UpdateInfo[] = new Array(views.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < views.length; i = next++)
        results[i] = await this.checkOne(views[i] as PackageView);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, views.length) }, worker));
    return results;
  }

  /** What the last check found, compared with the version installed now. */
  known(view: PackageView): { latestVersion?: string; updateAvailable?: boolean; lastChecked?: string } {
    const found = this.latest.get(view.serverName);
    if (!found || view.version === undefined) return {};
    return {
      latestVersion: found.latestVersion,
      updateAvailable: isNewer(scheme(view), found.latestVersion, view.version),
      lastChecked: found.checkedAt,
    };
  }

  forget(serverName: string): void {
    this.latest.delete(serverName);
  }

  private async checkOne(view: PackageView): Promise<UpdateInfo> {
    const currentVersion = view.version as string;
    try {
      const latestVersion =
        view.spec.runtime === 'node'
          ? await this.ctx.npm.latest(view.spec)
          : await this.ctx.pip.latest(view.spec, currentVersion);
      this.latest.set(view.serverName, { latestVersion, checkedAt: this.ctx.clock().toISOString() });
      return {
        serverName: view.serverName,
        currentVersion,
        latestVersion,
        updateAvailable: isNewer(scheme(view), latestVersion, currentVersion),
      };
    } catch (e) {
      return { serverName: view.serverName, currentVersion, updateAvailable: false, error: messageOf(e) };
    }
  }
}

const scheme = (view: PackageView): 'semver' | 'pep440' =>
  view.spec.runtime === 'node' ? 'semver' : 'pep440';
