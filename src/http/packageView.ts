import type { PackageView } from '../projections/packagesProjection.js';
import type { ServerView } from '../projections/serversProjection.js';

export interface UpdateFacts {
  latestVersion?: string;
  updateAvailable?: boolean;
  lastChecked?: string;
}

/**
 * The reference README's package object (name, version, latestVersion, updateAvailable,
 * installPath, status, installed, lastUpgraded, mcpServerId, enabled) plus what the record
 * holds for its runtime. `version` is absent until an install has completed.
 */
export function packageResponse(
  view: PackageView,
  server: ServerView | undefined,
  updates: UpdateFacts,
): Record<string, unknown> {
  const { spec } = view;
  const own = server !== undefined && server.serverId === view.serverId;
  return {
    name: spec.name,
    ...(view.version === undefined ? {} : { version: view.version }),
    ...(spec.requestedVersion === undefined ? {} : { requestedVersion: spec.requestedVersion }),
    ...updates,
    installPath: view.installPath,
    status: view.status,
    ...(view.error === undefined ? {} : { error: view.error }),
    installed: view.installed,
    ...(view.lastUpgraded === undefined ? {} : { lastUpgraded: view.lastUpgraded }),
    mcpServerId: view.serverName,
    enabled: own ? server.enabled : false,
    runtime: spec.runtime,
    allowScripts: spec.allowScripts,
    ...(spec.runtime === 'python'
      ? {
          venvPath: view.installPath,
          pythonModule: spec.pythonModule,
          pythonArgs: spec.pythonArgs ?? [],
          ...(spec.pipIndexUrl === undefined ? {} : { pipIndexUrl: spec.pipIndexUrl }),
          ...(spec.pipExtraIndexUrl === undefined ? {} : { pipExtraIndexUrl: spec.pipExtraIndexUrl }),
          ...(spec.pipDependencies === undefined ? {} : { pipDependencies: spec.pipDependencies }),
        }
      : {}),
  };
}
