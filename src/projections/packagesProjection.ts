import type { DomainEvent } from '../events/domainEvents.js';
import type { Entry, PackageSpec } from '../events/packageEvents.js';

export type PackageStatus = 'installing' | 'upgrading' | 'installed' | 'error';

export interface PackageView {
  readonly serverName: string;
  readonly serverId: string;
  readonly installId: string;
  readonly spec: PackageSpec;
  readonly status: PackageStatus;
  /** The installed version; absent while the first install runs or after it failed. */
  readonly version?: string;
  readonly entry?: Entry;
  readonly installPath: string;
  /** When the install started, then when it completed. */
  readonly installed: string;
  readonly lastUpgraded?: string;
  readonly error?: string;
  /** The upgrade in progress, if any. */
  readonly upgradeId?: string;
  /** Files are live (installed, or a failed upgrade that kept the previous version). */
  readonly live: boolean;
}

/** serverName → package. */
export type PackagesModel = Map<string, PackageView>;

export const initialPackages = (): PackagesModel => new Map();

/** Deterministic fold, in place like evolveServers; views are replaced, never mutated. */
export function evolvePackages(model: PackagesModel, event: DomainEvent, occurredAt: string): PackagesModel {
  switch (event.type) {
    case 'PackageInstallStarted': {
      const { serverName, serverId, installId, spec, installPath } = event.data;
      model.set(serverName, {
        serverName,
        serverId,
        installId,
        spec,
        installPath,
        status: 'installing',
        installed: occurredAt,
        live: false,
      });
      return model;
    }
    case 'PackageInstalled':
      return patch(model, event.data.serverName, () => ({
        status: 'installed',
        version: event.data.version,
        entry: event.data.entry,
        installed: occurredAt,
        error: undefined,
        live: true,
      }));
    case 'PackageInstallFailed':
      return patch(model, event.data.serverName, () => ({
        status: 'error',
        error: event.data.error,
        live: false,
      }));
    case 'PackageUpgradeStarted':
      return patch(model, event.data.serverName, () => ({
        status: 'upgrading',
        upgradeId: event.data.upgradeId,
      }));
    case 'PackageUpgraded':
      return patch(model, event.data.serverName, () => ({
        status: 'installed',
        version: event.data.version,
        entry: event.data.entry,
        lastUpgraded: occurredAt,
        error: undefined,
        upgradeId: undefined,
      }));
    case 'PackageUpgradeFailed':
      return patch(model, event.data.serverName, () => ({
        status: 'error',
        error: event.data.error,
        upgradeId: undefined,
      }));
    case 'PackageUninstalled':
      model.delete(event.data.serverName);
      return model;
    default:
      return model;
  }
}

function patch(
  model: PackagesModel,
  serverName: string,
  change: (v: PackageView) => Partial<Record<keyof PackageView, unknown>>,
): PackagesModel {
  const current = model.get(serverName);
  if (!current) return model;
  const next = { ...current, ...change(current) } as Record<string, unknown>;
  for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
  model.set(serverName, next as unknown as PackageView);
  return model;
}
