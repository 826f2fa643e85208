import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootId, procStat } from '../../../src/runtime/stdio/procInfo.js';
import { ProcessLedger, reapOrphans } from '../../../src/runtime/stdio/processLedger.js';
import { ProcessRegistry } from '../../../src/runtime/stdio/processRegistry.js';
import { isAlive, killQuietly, waitFor } from '../processTestUtils.js';

/** A process group leader that would run for a minute. */
function groupLeader(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
}
const spawned = (child: ChildProcess): Promise<number> =>
  new Promise((resolve) => child.once('spawn', () => resolve(child.pid as number)));

/** A pid no process has right now: a child that already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('ProcessLedger and reapOrphans (no orphans after a SIGKILLed gateway)', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-ledger-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) killQuietly(child.pid);
    await rm(dir, { recursive: true, force: true });
  });

  const ledgerOf = async (
    owner: { pid: number; startTime: number },
    groups: Array<{ pid: number; startTime: number }>,
    boot = bootId(),
  ): Promise<string> => {
    const path = join(dir, `processes-${owner.pid}.json`);
    await writeFile(path, JSON.stringify({ bootId: boot, owner, groups }));
    return path;
  };

  it(
    'records the groups the registry adds and removes, ' +
      'with their start times, and discards the file on a clean exit',
    async () => {
      const ledger = ProcessLedger.open(dir)!;
      const registry = new ProcessRegistry(ledger);
      const child = groupLeader();
      children.push(child);
      const pid = await spawned(child);
      registry.add(pid);
      const path = join(dir, `processes-${process.pid}.json`);
      const file = JSON.parse(readFileSync(path, 'utf8')) as {
        owner: { pid: number };
        groups: Array<{ pid: number; startTime: number }>;
      };
      expect(file.owner.pid).to.equal(process.pid);
      expect(file.groups).to.deep.equal([{ pid, startTime: procStat(pid)!.startTime }]);
      registry.remove(pid);
      expect((JSON.parse(readFileSync(path, 'utf8')) as { groups: unknown[] }).groups).to.deep.equal([]);
      ledger.discard();
      expect(existsSync(path)).to.equal(false);
    },
  );

  it('stops every process of a group recorded by a gateway that is gone, and removes its file', async () => {
    const child = groupLeader();
    children.push(child);
    const pid = await spawned(child);
    const path = await ledgerOf({ pid: await deadPid(), startTime: 1 }, [
      { pid, startTime: procStat(pid)!.startTime },
    ]);
    const report = reapOrphans(dir);
    expect(report).to.deep.equal({ runs: 1, groups: 1, processes: 1 });
    await waitFor(() => !isAlive(pid), 'the orphan to die');
    expect(existsSync(path)).to.equal(false);
  });

  it('never signals a PID that now belongs to another process (start time differs)', async () => {
    const child = groupLeader();
    children.push(child);
    const pid = await spawned(child);
    const signalled: number[] = [];
    await ledgerOf({ pid: await deadPid(), startTime: 1 }, [
      { pid, startTime: procStat(pid)!.startTime - 1 },
    ]);
    expect(reapOrphans(dir, (pgid) => signalled.push(pgid))).to.deep.include({ groups: 0 });
    expect(signalled).to.deep.equal([]);
    expect(isAlive(pid)).to.equal(true);
  });

  it('leaves the ledger of a gateway that is still alive alone (two gateways sharing DATA_DIR)', async () => {
    const child = groupLeader();
    children.push(child);
    const pid = await spawned(child);
    const path = await ledgerOf({ pid: process.pid, startTime: procStat(process.pid)!.startTime }, [
      { pid, startTime: procStat(pid)!.startTime },
    ]);
    expect(reapOrphans(dir)).to.deep.equal({ runs: 0, groups: 0, processes: 0 });
    expect(existsSync(path)).to.equal(true);
    expect(isAlive(pid)).to.equal(true);
  });

  it('ignores start times from another boot, and files it cannot read', async () => {
    const child = groupLeader();
    children.push(child);
    const pid = await spawned(child);
    await ledgerOf(
      { pid: await deadPid(), startTime: 1 },
      [{ pid, startTime: procStat(pid)!.startTime }],
      'another-boot',
    );
    await writeFile(join(dir, 'processes-12345.json'), 'not json');
    expect(reapOrphans(dir)).to.deep.include({ groups: 0 });
    expect(isAlive(pid)).to.equal(true);
  });

  it('never throws into a spawn: a removed run directory is made again', async () => {
    const runDir = join(dir, 'run');
    const ledger = ProcessLedger.open(runDir)!;
    const registry = new ProcessRegistry(ledger);
    await rm(runDir, { recursive: true, force: true });
    const child = groupLeader();
    children.push(child);
    const pid = await spawned(child);
    expect(() => registry.add(pid)).not.to.throw();
    const file = JSON.parse(readFileSync(join(runDir, `processes-${process.pid}.json`), 'utf8')) as {
      groups: Array<{ pid: number }>;
    };
    expect(file.groups.map((g) => g.pid)).to.deep.equal([pid]);
    ledger.discard();
  });

  it('never throws into a spawn when the ledger cannot be written, and says so once', async () => {
    const runDir = join(dir, 'run');
    const errors: unknown[] = [];
    const ledger = ProcessLedger.open(runDir, (e) => errors.push(e))!;
    const registry = new ProcessRegistry(ledger);
    // The run directory replaced by a file: neither the write nor making the directory can succeed.
    await rm(runDir, { recursive: true, force: true });
    await writeFile(runDir, 'not a directory');
    const child = groupLeader();
    children.push(child);
    const pid = await spawned(child);
    expect(() => registry.add(pid)).not.to.throw();
    expect(() => registry.remove(pid)).not.to.throw();
    expect(errors).to.have.length(1);
    expect(registry.has(pid)).to.equal(false);
  });
});
