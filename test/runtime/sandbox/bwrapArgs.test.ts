import { expect } from 'chai';
import {
  bwrapArgs,
  prlimitArgs,
  sandboxCommand,
  type SandboxSpec,
} from '../../../src/runtime/sandbox/bwrapArgs.js';

const base: SandboxSpec = {
  command: 'node',
  args: ['/srv/app/server.js', '--flag'],
  host: {
    bwrap: '/usr/bin/bwrap',
    prlimit: '/usr/bin/prlimit',
    systemBinds: ['/usr', '/etc/ssl'],
    symlinks: [{ path: '/bin', target: 'usr/bin' }],
  },
  binds: [{ path: '/srv/app', writable: false }],
  hidden: [],
  chdir: '/tmp',
  network: 'host',
  limits: {},
  tmpMb: 64,
  uid: 65534,
  gid: 65534,
  setenv: { HOME: '/tmp' },
};

/** The position of an option with its operands, or -1. */
function indexOf(args: string[], ...seq: string[]): number {
  return args.findIndex((_, i) => seq.every((s, j) => args[i + j] === s));
}

describe('bwrapArgs', () => {
  it('runs the command after "--" with its arguments unchanged', () => {
    const args = bwrapArgs(base);
    expect(args.slice(args.indexOf('--'))).to.deep.equal(['--', 'node', '/srv/app/server.js', '--flag']);
  });

  it(
    'creates user, PID, IPC and UTS namespaces, drops capabilities, ' +
      'becomes the given uid and dies with its parent',
    () => {
      const args = bwrapArgs(base);
      for (const flag of [
        '--unshare-user',
        '--unshare-pid',
        '--unshare-ipc',
        '--unshare-uts',
        '--die-with-parent',
        '--new-session',
      ]) {
        expect(args, flag).to.include(flag);
      }
      expect(indexOf(args, '--cap-drop', 'ALL')).to.be.greaterThan(-1);
      expect(indexOf(args, '--uid', '65534')).to.be.greaterThan(-1);
      expect(indexOf(args, '--gid', '65534')).to.be.greaterThan(-1);
    },
  );

  it('keeps the host network by default and unshares it for network "none"', () => {
    expect(bwrapArgs(base)).not.to.include('--unshare-net');
    expect(bwrapArgs({ ...base, network: 'none' })).to.include('--unshare-net');
  });

  it(
    'binds system paths read-only, recreates merged-/usr symlinks, ' +
      'and mounts a fresh /proc, /dev and a sized private /tmp',
    () => {
      const args = bwrapArgs(base);
      expect(indexOf(args, '--ro-bind', '/usr', '/usr')).to.be.greaterThan(-1);
      expect(indexOf(args, '--symlink', 'usr/bin', '/bin')).to.be.greaterThan(-1);
      expect(indexOf(args, '--proc', '/proc')).to.be.greaterThan(-1);
      expect(indexOf(args, '--dev', '/dev')).to.be.greaterThan(-1);
      expect(indexOf(args, '--size', String(64 * 1024 * 1024), '--tmpfs', '/tmp')).to.be.greaterThan(-1);
    },
  );

  it('binds read-only or writable as asked', () => {
    const args = bwrapArgs({
      ...base,
      binds: [
        { path: '/srv/app', writable: false },
        { path: '/srv/work', writable: true },
      ],
    });
    expect(indexOf(args, '--ro-bind', '/srv/app', '/srv/app')).to.be.greaterThan(-1);
    expect(indexOf(args, '--bind', '/srv/work', '/srv/work')).to.be.greaterThan(-1);
  });

  it('masks a hidden directory or file that lies inside a bound path, after the bind', () => {
    const spec: SandboxSpec = {
      ...base,
      binds: [{ path: '/srv', writable: false }],
      hidden: [
        { path: '/srv/data', kind: 'dir' },
        { path: '/srv/key', kind: 'file' },
      ],
    };
    const args = bwrapArgs(spec);
    const bind = indexOf(args, '--ro-bind', '/srv', '/srv');
    expect(indexOf(args, '--tmpfs', '/srv/data', '--remount-ro', '/srv/data')).to.be.greaterThan(bind);
    expect(indexOf(args, '--ro-bind', '/dev/null', '/srv/key')).to.be.greaterThan(bind);
  });

  it('does not mask hidden paths nothing exposes', () => {
    const args = bwrapArgs({ ...base, hidden: [{ path: '/var/lib/mcp', kind: 'dir' }] });
    expect(args).not.to.include('/var/lib/mcp');
  });

  it(
    're-binds a directory inside a masked one after the mask ' +
      "(a server's own install dir under the install root)",
    () => {
      const spec: SandboxSpec = {
        ...base,
        binds: [
          { path: '/srv/packages/npm/mine', writable: false },
          { path: '/srv', writable: false },
        ],
        hidden: [{ path: '/srv/packages/npm', kind: 'dir' }],
      };
      const args = bwrapArgs(spec);
      const outer = indexOf(args, '--ro-bind', '/srv', '/srv');
      const mask = indexOf(args, '--tmpfs', '/srv/packages/npm');
      const own = indexOf(args, '--ro-bind', '/srv/packages/npm/mine', '/srv/packages/npm/mine');
      expect(outer).to.be.lessThan(mask);
      expect(mask).to.be.lessThan(own);
    },
  );

  it('binds parents before children so a nested bind is not covered', () => {
    const args = bwrapArgs({
      ...base,
      binds: [
        { path: '/a/b/c', writable: true },
        { path: '/a', writable: false },
      ],
    });
    expect(indexOf(args, '--ro-bind', '/a', '/a')).to.be.lessThan(
      indexOf(args, '--bind', '/a/b/c', '/a/b/c'),
    );
  });

  it('sets the environment overrides and the working directory', () => {
    const args = bwrapArgs({ ...base, chdir: '/srv/app/' });
    expect(indexOf(args, '--setenv', 'HOME', '/tmp')).to.be.greaterThan(-1);
    expect(indexOf(args, '--chdir', '/srv/app/')).to.be.greaterThan(-1);
  });

  it('runs the command through prlimit when limits are set', () => {
    const args = bwrapArgs({
      ...base,
      limits: { memoryMb: 256, processes: 64, openFiles: 128, cpuSeconds: 30 },
    });
    const tail = args.slice(args.indexOf('--') + 1);
    expect(tail).to.deep.equal([
      '/usr/bin/prlimit',
      `--data=${256 * 1024 * 1024}`,
      '--nproc=64',
      '--nofile=128',
      '--cpu=30',
      '--core=0',
      '--',
      'node',
      '/srv/app/server.js',
      '--flag',
    ]);
  });

  it('passes arguments that look like bwrap options to the command untouched', () => {
    const args = bwrapArgs({ ...base, args: ['--bind', '/', '/'] });
    expect(args.slice(-4)).to.deep.equal(['node', '--bind', '/', '/']);
    expect(args.indexOf('--bind')).to.equal(args.length - 3);
  });
});

describe('prlimitArgs', () => {
  it('is empty without limits', () => {
    expect(prlimitArgs({})).to.deep.equal([]);
  });
});

describe('sandboxCommand', () => {
  it('runs bwrap directly when the gateway is not root', () => {
    const { command, args } = sandboxCommand(base);
    expect(command).to.equal('/usr/bin/bwrap');
    expect(args).to.deep.equal(bwrapArgs(base));
  });

  it('drops to the unprivileged host user through setpriv before bwrap when the gateway is root', () => {
    const host = { ...base.host, dropTo: { setpriv: '/usr/bin/setpriv', uid: 65534, gid: 65534 } };
    const { command, args } = sandboxCommand({ ...base, host });
    expect(command).to.equal('/usr/bin/setpriv');
    expect(args.slice(0, 5)).to.deep.equal([
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--',
      '/usr/bin/bwrap',
    ]);
    expect(args.slice(5)).to.deep.equal(bwrapArgs({ ...base, host }));
  });
});
