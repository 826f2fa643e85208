import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostLayout } from '../../../src/runtime/sandbox/bwrapArgs.js';
import { createSandbox, type SandboxSettings } from '../../../src/runtime/sandbox/sandbox.js';

const host: HostLayout = {
  bwrap: '/usr/bin/bwrap',
  prlimit: '/usr/bin/prlimit',
  systemBinds: ['/usr'],
  symlinks: [],
};

/** Position of a sequence in the argv, or -1. */
const at = (args: readonly string[], ...seq: string[]): number =>
  args.findIndex((_, i) => seq.every((s, j) => args[i + j] === s));

describe('createSandbox', () => {
  let root: string;
  let settings: SandboxSettings;
  let project: string;
  let npmRoot: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'mcp-sandbox-unit-'));
    project = join(root, 'project');
    npmRoot = join(root, 'packages', 'npm');
    await mkdir(join(project, 'node_modules'), { recursive: true });
    await mkdir(join(project, 'dist'), { recursive: true });
    await mkdir(join(project, 'data'), { recursive: true });
    await writeFile(join(project, 'dist', 'server.js'), '');
    for (const name of ['mine', 'theirs']) {
      await mkdir(join(npmRoot, name, 'node_modules', 'pkg'), { recursive: true });
      await writeFile(join(npmRoot, name, 'node_modules', 'pkg', 'index.js'), '');
    }
    settings = {
      host,
      hidden: [join(project, 'data'), join(root, 'packages')],
      installRoots: [npmRoot],
      serverLimits: { memoryMb: 512 },
      installerLimits: { memoryMb: 4096 },
      serverTmpMb: 32,
      installerTmpMb: 256,
      uid: 65534,
      gid: 65534,
    };
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("binds a script's project read-only, masks hidden paths inside it, and runs in a private /tmp", () => {
    const spec = createSandbox(settings).server(
      undefined,
      false,
    )({ command: 'node', args: [join(project, 'dist', 'server.js')], env: { A: '1' } });
    expect(spec.command).to.equal('/usr/bin/bwrap');
    expect(spec.env).to.deep.equal({ A: '1' });
    expect(at(spec.args, '--ro-bind', project, project)).to.be.greaterThan(-1);
    expect(at(spec.args, '--tmpfs', join(project, 'data'))).to.be.greaterThan(
      at(spec.args, '--ro-bind', project, project),
    );
    expect(at(spec.args, '--chdir', '/tmp')).to.be.greaterThan(-1);
    expect(spec.args).to.include(`--data=${512 * 1024 * 1024}`);
  });

  it("binds a package server's own install directory only, read-only, and starts in it", () => {
    const mine = join(npmRoot, 'mine');
    const spec = createSandbox(settings).server(
      undefined,
      false,
    )({ command: 'node', args: [join(mine, 'node_modules', 'pkg', 'index.js')], env: {} });
    expect(at(spec.args, '--ro-bind', mine, mine)).to.be.greaterThan(-1);
    expect(spec.args.join(' ')).not.to.include(join(npmRoot, 'theirs'));
    expect(at(spec.args, '--chdir', mine)).to.be.greaterThan(-1);
  });

  it('makes the working directory writable for a shared server and read-only for per-user processes', () => {
    const cwd = join(project, 'dist');
    const shared = createSandbox(settings).server(
      undefined,
      false,
    )({ command: 'node', args: ['server.js'], env: {}, cwd });
    expect(at(shared.args, '--bind', cwd, cwd)).to.be.greaterThan(-1);
    const perUser = createSandbox(settings).server(
      undefined,
      true,
    )({ command: 'node', args: ['server.js'], env: {}, cwd });
    expect(at(perUser.args, '--ro-bind', cwd, cwd)).to.be.greaterThan(-1);
    expect(at(perUser.args, '--bind', cwd, cwd)).to.equal(-1);
  });

  it("applies a server's network, limits and extra binds", () => {
    const config = {
      network: 'none' as const,
      limits: { processes: 8 },
      binds: [{ path: '/srv/shared', writable: true }],
    };
    const spec = createSandbox(settings).server(
      config,
      false,
    )({ command: '/usr/bin/true', args: [], env: {} });
    expect(spec.args).to.include('--unshare-net');
    expect(spec.args).to.include('--nproc=8');
    expect(spec.args).to.include(`--data=${512 * 1024 * 1024}`);
    expect(at(spec.args, '--bind', '/srv/shared', '/srv/shared')).to.be.greaterThan(-1);
  });

  it('lets an installer write only into the install directory it names, with the host network', () => {
    const mine = join(npmRoot, 'mine');
    const spec = createSandbox(settings).installer()({
      command: 'npm',
      args: ['install', 'x', '--prefix', mine],
      env: {},
      cwd: mine,
    });
    expect(at(spec.args, '--bind', mine, mine)).to.be.greaterThan(-1);
    expect(spec.args.join(' ')).not.to.include(join(npmRoot, 'theirs'));
    expect(spec.args).not.to.include('--unshare-net');
    expect(at(spec.args, '--chdir', mine)).to.be.greaterThan(-1);
    expect(spec.cwd).to.equal('/');
  });

  it(
    'binds the project that holds node_modules for a script inside it ' +
      '(its dependencies are hoisted there)',
    async () => {
      const script = join(project, 'node_modules', 'dep', 'dist', 'index.js');
      await mkdir(join(project, 'node_modules', 'dep', 'dist'), { recursive: true });
      await writeFile(join(project, 'node_modules', 'dep', 'package.json'), '{}');
      await writeFile(script, '');
      const spec = createSandbox(settings).server(
        undefined,
        false,
      )({ command: 'node', args: [script], env: {} });
      expect(at(spec.args, '--ro-bind', project, project)).to.be.greaterThan(-1);
    },
  );

  it('says which directory stops the unprivileged sandbox user from reaching a bind (gateway as root)', async () => {
    const locked = await mkdtemp(join(root, 'locked-'));
    await mkdir(join(locked, 'app'));
    await writeFile(join(locked, 'app', 'server.js'), '');
    const dropping = createSandbox({
      ...settings,
      host: { ...host, dropTo: { setpriv: '/usr/bin/setpriv', uid: 4242, gid: 4242 } },
    });
    expect(() =>
      dropping.server(
        undefined,
        false,
      )({ command: 'node', args: [join(locked, 'app', 'server.js')], env: {} }),
    ).to.throw(`${locked} is not searchable by uid 4242`);
  });

  it('masks only hidden paths that exist (bwrap cannot create a mount point inside a read-only bind)', () => {
    const spec = createSandbox({
      ...settings,
      hidden: [...settings.hidden, join(project, 'packages-not-yet')],
    }).server(
      undefined,
      false,
    )({
      command: 'node',
      args: [join(project, 'dist', 'server.js')],
      env: {},
    });
    expect(spec.args).not.to.include(join(project, 'packages-not-yet'));
    expect(spec.args).to.include(join(project, 'data'));
  });
});
