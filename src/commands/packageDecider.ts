import { AppError } from '../errors.js';
import type { DomainEvent } from '../events/domainEvents.js';
import { MAX_ERROR_LENGTH, type Entry, type PackageSpec } from '../events/packageEvents.js';
import type { Decider } from './decider.js';

interface Common {
  readonly serverName: string;
  readonly installId: string;
  readonly spec: PackageSpec;
  readonly installPath: string;
}

/**
 * The package of one server name. `installed` means files are live (a failed upgrade keeps the
 * previous version running, so it stays `installed` with `lastError`); `failed` means an install
 * never completed and nothing of it is live.
 */
export type PackageState =
  | { readonly kind: 'absent' }
  | (Common & { readonly kind: 'installing'; readonly serverId: string })
  | (Common & { readonly kind: 'failed'; readonly error: string })
  | (Common & {
      readonly kind: 'installed';
      readonly serverId: string;
      readonly version: string;
      readonly entry: Entry;
      readonly upgrade?: {
        readonly upgradeId: string;
        readonly fromVersion: string;
        readonly targetVersion?: string;
      };
      readonly lastError?: string;
    });

export type PackageCommand =
  | {
      type: 'StartInstall';
      data: {
        installId: string;
        serverName: string;
        serverId: string;
        spec: PackageSpec;
        installPath: string;
      };
    }
  | { type: 'CompleteInstall'; data: { installId: string; version: string; entry: Entry } }
  | { type: 'FailInstall'; data: { installId: string; error: string; interrupted: boolean } }
  | { type: 'StartUpgrade'; data: { upgradeId: string; serverName: string; targetVersion?: string } }
  | { type: 'CompleteUpgrade'; data: { upgradeId: string; version: string; entry: Entry } }
  | { type: 'FailUpgrade'; data: { upgradeId: string; error: string; interrupted: boolean } }
  | { type: 'Uninstall'; data: { serverName: string } };

export const packageNotFound = (serverName: string): AppError =>
  new AppError('package_not_found', `No package is installed for server ${serverName}`, { serverName });

const busy = (serverName: string, what: string): AppError =>
  new AppError(
    'package_busy',
    `The package of server ${serverName} is ${what}; try again when it has finished`,
    { serverName },
  );

/** The job's own operation was already closed (by boot recovery or an uninstall): its result is stale. */
const closed = (what: string): AppError =>
  new AppError('concurrency_conflict', `This ${what} was already closed by another operation`);

const clip = (text: string): string =>
  text.length > MAX_ERROR_LENGTH ? text.slice(text.length - MAX_ERROR_LENGTH) : text;

export const packageDecider: Decider<PackageState, PackageCommand> = {
  initialState: () => ({ kind: 'absent' }),

  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'StartInstall': {
        if (state.kind === 'installing') throw busy(command.data.serverName, 'being installed');
        if (state.kind === 'installed') {
          throw new AppError(
            'package_already_installed',
            `A package is already installed for server ${command.data.serverName}; upgrade or uninstall it`,
            {
              serverName: command.data.serverName,
            },
          );
        }
        return [{ type: 'PackageInstallStarted', data: command.data }];
      }
      case 'CompleteInstall': {
        if (state.kind !== 'installing' || state.installId !== command.data.installId)
          throw closed('install');
        const { installId, version, entry } = command.data;
        return [
          {
            type: 'PackageInstalled',
            data: { installId, serverName: state.serverName, serverId: state.serverId, version, entry },
          },
        ];
      }
      case 'FailInstall': {
        // Idempotent: recovery and the failing job may both try to close the same install.
        if (state.kind !== 'installing' || state.installId !== command.data.installId) return [];
        const { installId, error, interrupted } = command.data;
        return [
          {
            type: 'PackageInstallFailed',
            data: { installId, serverName: state.serverName, error: clip(error), interrupted },
          },
        ];
      }
      case 'StartUpgrade': {
        const name = command.data.serverName;
        if (state.kind === 'absent' || state.kind === 'failed') throw packageNotFound(name);
        if (state.kind === 'installing') throw busy(name, 'being installed');
        if (state.upgrade) throw busy(name, 'being upgraded');
        const { upgradeId, targetVersion } = command.data;
        return [
          {
            type: 'PackageUpgradeStarted',
            data: {
              upgradeId,
              serverName: name,
              fromVersion: state.version,
              ...(targetVersion === undefined ? {} : { targetVersion }),
            },
          },
        ];
      }
      case 'CompleteUpgrade': {
        if (state.kind !== 'installed' || state.upgrade?.upgradeId !== command.data.upgradeId)
          throw closed('upgrade');
        const { upgradeId, version, entry } = command.data;
        const data = {
          upgradeId,
          serverName: state.serverName,
          serverId: state.serverId,
          fromVersion: state.version,
          version,
          entry,
        };
        return [{ type: 'PackageUpgraded', data }];
      }
      case 'FailUpgrade': {
        if (state.kind !== 'installed' || state.upgrade?.upgradeId !== command.data.upgradeId) return [];
        const { upgradeId, error, interrupted } = command.data;
        return [
          {
            type: 'PackageUpgradeFailed',
            data: { upgradeId, serverName: state.serverName, error: clip(error), interrupted },
          },
        ];
      }
      case 'Uninstall': {
        const name = command.data.serverName;
        if (state.kind === 'absent') throw packageNotFound(name);
        if (state.kind === 'installing') throw busy(name, 'being installed');
        if (state.kind === 'installed' && state.upgrade) throw busy(name, 'being upgraded');
        return [{ type: 'PackageUninstalled', data: { installId: state.installId, serverName: name } }];
      }
    }
  },

  evolve(state, event): PackageState {
    switch (event.type) {
      case 'PackageInstallStarted': {
        const { installId, serverName, serverId, spec, installPath } = event.data;
        return { kind: 'installing', installId, serverName, serverId, spec, installPath };
      }
      case 'PackageInstalled':
        if (state.kind !== 'installing') return state;
        return {
          ...common(state),
          kind: 'installed',
          serverId: state.serverId,
          version: event.data.version,
          entry: event.data.entry,
        };
      case 'PackageInstallFailed':
        return state.kind === 'installing'
          ? { ...common(state), kind: 'failed', error: event.data.error }
          : state;
      case 'PackageUpgradeStarted': {
        if (state.kind !== 'installed') return state;
        const { upgradeId, fromVersion, targetVersion } = event.data;
        return {
          ...state,
          upgrade: { upgradeId, fromVersion, ...(targetVersion === undefined ? {} : { targetVersion }) },
        };
      }
      case 'PackageUpgraded': {
        if (state.kind !== 'installed') return state;
        const { upgrade: _done, lastError: _cleared, ...rest } = state;
        return { ...rest, version: event.data.version, entry: event.data.entry };
      }
      case 'PackageUpgradeFailed': {
        if (state.kind !== 'installed') return state;
        const { upgrade: _done, ...rest } = state;
        return { ...rest, lastError: event.data.error };
      }
      case 'PackageUninstalled':
        return { kind: 'absent' };
      default:
        return state;
    }
  },
};

function common(state: Common): Common {
  return {
    serverName: state.serverName,
    installId: state.installId,
    spec: state.spec,
    installPath: state.installPath,
  };
}
