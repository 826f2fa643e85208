import { expect } from 'chai';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { PackageSpec } from '../../src/events/packageEvents.js';
import { evolvePackages, initialPackages } from '../../src/projections/packagesProjection.js';
import { evolveServers, initialServers } from '../../src/projections/serversProjection.js';

const spec: PackageSpec = {
  runtime: 'python',
  name: 'p',
  allowScripts: false,
  customCommand: false,
  pythonModule: 'm',
  pythonArgs: [],
};
const entry = { command: '/v/bin/python', args: ['-u', '-m', 'm'] };
const events: Array<[DomainEvent, string]> = [
  [
    {
      type: 'PackageInstallStarted',
      data: { installId: 'i', serverName: 'srv', serverId: 's', spec, installPath: '/v' },
    },
    't1',
  ],
  [
    {
      type: 'PackageInstalled',
      data: { installId: 'i', serverName: 'srv', serverId: 's', version: '1.0', entry },
    },
    't2',
  ],
  [{ type: 'PackageUpgradeStarted', data: { upgradeId: 'u', serverName: 'srv', fromVersion: '1.0' } }, 't3'],
  [
    {
      type: 'PackageUpgraded',
      data: { upgradeId: 'u', serverName: 'srv', serverId: 's', fromVersion: '1.0', version: '2.0', entry },
    },
    't4',
  ],
];

describe('packagesProjection', () => {
  it('folds install and upgrade into one view per server name with status, version and times', () => {
    const model = initialPackages();
    const seen: unknown[] = [];
    for (const [event, at] of events) {
      evolvePackages(model, event, at);
      const v = model.get('srv')!;
      seen.push([v.status, v.version, v.live]);
    }
    expect(seen).to.deep.equal([
      ['installing', undefined, false],
      ['installed', '1.0', true],
      ['upgrading', '1.0', true],
      ['installed', '2.0', true],
    ]);
    expect(model.get('srv')).to.include({ installed: 't2', lastUpgraded: 't4' });
    expect(model.get('srv')).to.not.have.property('upgradeId');
    evolvePackages(model, { type: 'PackageUninstalled', data: { installId: 'i', serverName: 'srv' } }, 't5');
    expect(model.size).to.equal(0);
  });

  it('shows a failed install or upgrade as error with its reason', () => {
    const model = initialPackages();
    evolvePackages(model, events[0]![0], 't1');
    evolvePackages(
      model,
      {
        type: 'PackageInstallFailed',
        data: { installId: 'i', serverName: 'srv', error: 'E404', interrupted: false },
      },
      't2',
    );
    expect(model.get('srv')).to.include({ status: 'error', error: 'E404', live: false });
  });

  it('restarts the server of an upgraded package (generation), only for a new version of that registration', () => {
    const servers = initialServers();
    const config = {
      transport: { transportType: 'stdio' as const, command: 'x', args: [], env: {} },
      timeout: 1,
      startupTimeout: 1,
    };
    evolveServers(
      servers,
      { type: 'ServerRegistered', data: { serverId: 's', name: 'srv', config, enabled: true } },
      't0',
    );
    evolveServers(servers, events[3]![0], 't4');
    expect(servers.get('srv')!.generation).to.equal(2);
    evolveServers(
      servers,
      {
        type: 'PackageUpgraded',
        data: {
          upgradeId: 'u2',
          serverName: 'srv',
          serverId: 's',
          fromVersion: '2.0',
          version: '2.0',
          entry,
        },
      },
      't5',
    );
    evolveServers(
      servers,
      {
        type: 'PackageUpgraded',
        data: {
          upgradeId: 'u3',
          serverName: 'srv',
          serverId: 'other',
          fromVersion: '2.0',
          version: '3.0',
          entry,
        },
      },
      't6',
    );
    expect(servers.get('srv')!.generation).to.equal(2);
  });
});
