import { expect } from 'chai';
import { packageDecider, type PackageCommand, type PackageState } from '../../src/commands/packageDecider.js';
import { AppError } from '../../src/errors.js';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { PackageSpec } from '../../src/events/packageEvents.js';

const spec: PackageSpec = { runtime: 'node', name: 'pkg', allowScripts: false, customCommand: false };
const entry = { command: 'node', args: ['/p/bin.js'] };
const start: PackageCommand = {
  type: 'StartInstall',
  data: { installId: 'i1', serverName: 'srv', serverId: 's1', spec, installPath: '/p' },
};

function given(...commands: PackageCommand[]): PackageState {
  return commands.reduce<PackageState>(
    (state, c) => packageDecider.decide(state, c).reduce((s, e) => packageDecider.evolve(s, e), state),
    packageDecider.initialState(),
  );
}
const decide = (state: PackageState, command: PackageCommand): DomainEvent[] =>
  packageDecider.decide(state, command);
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? e.code : 'not an AppError';
  }
  return undefined;
};

describe('packageDecider', () => {
  const installed = given(start, {
    type: 'CompleteInstall',
    data: { installId: 'i1', version: '1.0.0', entry },
  });

  it('starts an install on an absent or failed package only', () => {
    expect(decide(given(), start).map((e) => e.type)).to.deep.equal(['PackageInstallStarted']);
    expect(codeOf(() => decide(given(start), start))).to.equal('package_busy');
    expect(codeOf(() => decide(installed, start))).to.equal('package_already_installed');
    const failed = given(start, {
      type: 'FailInstall',
      data: { installId: 'i1', error: 'boom', interrupted: false },
    });
    expect(failed).to.include({ kind: 'failed', error: 'boom' });
    expect(decide(failed, { ...start, data: { ...start.data, installId: 'i2' } })).to.have.length(1);
  });

  it('completes or fails only the install in progress; a late failure is a no-op', () => {
    expect(installed).to.include({ kind: 'installed', version: '1.0.0', serverId: 's1' });
    expect(
      codeOf(() =>
        decide(given(start), { type: 'CompleteInstall', data: { installId: 'other', version: '1', entry } }),
      ),
    ).to.equal('concurrency_conflict');
    expect(
      decide(installed, { type: 'FailInstall', data: { installId: 'i1', error: 'late', interrupted: true } }),
    ).to.deep.equal([]);
  });

  it('keeps error text bounded', () => {
    const [event] = decide(given(start), {
      type: 'FailInstall',
      data: { installId: 'i1', error: 'x'.repeat(10_000), interrupted: false },
    });
    expect((event!.data as { error: string }).error).to.have.length(4000);
  });

  it('upgrades an installed package one at a time, recording from and to', () => {
    const upgrading = given(
      start,
      { type: 'CompleteInstall', data: { installId: 'i1', version: '1.0.0', entry } },
      { type: 'StartUpgrade', data: { upgradeId: 'u1', serverName: 'srv', targetVersion: 'latest' } },
    );
    expect(
      codeOf(() => decide(upgrading, { type: 'StartUpgrade', data: { upgradeId: 'u2', serverName: 'srv' } })),
    ).to.equal('package_busy');
    expect(codeOf(() => decide(upgrading, { type: 'Uninstall', data: { serverName: 'srv' } }))).to.equal(
      'package_busy',
    );
    const [done] = decide(upgrading, {
      type: 'CompleteUpgrade',
      data: { upgradeId: 'u1', version: '2.0.0', entry },
    });
    expect(done).to.deep.equal({
      type: 'PackageUpgraded',
      data: {
        upgradeId: 'u1',
        serverName: 'srv',
        serverId: 's1',
        fromVersion: '1.0.0',
        version: '2.0.0',
        entry,
      },
    });
    const failed = given(
      start,
      { type: 'CompleteInstall', data: { installId: 'i1', version: '1.0.0', entry } },
      { type: 'StartUpgrade', data: { upgradeId: 'u1', serverName: 'srv' } },
      { type: 'FailUpgrade', data: { upgradeId: 'u1', error: 'nope', interrupted: false } },
    );
    expect(failed).to.include({ kind: 'installed', version: '1.0.0', lastError: 'nope' });
    expect(
      codeOf(() => decide(given(), { type: 'StartUpgrade', data: { upgradeId: 'u', serverName: 'srv' } })),
    ).to.equal('package_not_found');
  });

  it('uninstalls an installed or failed package, not an absent or installing one', () => {
    expect(decide(installed, { type: 'Uninstall', data: { serverName: 'srv' } })).to.deep.equal([
      { type: 'PackageUninstalled', data: { installId: 'i1', serverName: 'srv' } },
    ]);
    expect(codeOf(() => decide(given(), { type: 'Uninstall', data: { serverName: 'srv' } }))).to.equal(
      'package_not_found',
    );
    expect(codeOf(() => decide(given(start), { type: 'Uninstall', data: { serverName: 'srv' } }))).to.equal(
      'package_busy',
    );
    expect(
      given(
        start,
        { type: 'CompleteInstall', data: { installId: 'i1', version: '1.0.0', entry } },
        { type: 'Uninstall', data: { serverName: 'srv' } },
      ),
    ).to.deep.equal({ kind: 'absent' });
  });
});
