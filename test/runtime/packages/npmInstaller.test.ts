import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInstallerEnv } from '../../../src/runtime/packages/installerEnv.js';
import { NpmInstaller } from '../../../src/runtime/packages/npmInstaller.js';
import type { RunRequest } from '../../../src/runtime/packages/processRunner.js';

describe('NpmInstaller', () => {
  let dir: string;
  const runs: RunRequest[] = [];
  const installer = new NpmInstaller({
    npmBin: 'npm',
    registry: 'http://127.0.0.1:4873/',
    parentEnv: { PATH: '/bin', HOME: '/h', SECRETS_KEY: 'canary-key', HTTPS_PROXY: 'http://proxy:3128' },
    run: async (request) => {
      runs.push(request);
      return { code: 0, timedOut: false, aborted: false, tail: [] };
    },
    installTimeoutMs: 1000,
    checkTimeoutMs: 1000,
  });
  const pkg = async (
    name: string,
    manifest: Record<string, unknown>,
    files: Record<string, string>,
  ): Promise<string> => {
    const root = join(dir, 'node_modules', name);
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'package.json'), JSON.stringify({ name, version: '1.2.3', ...manifest }));
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), text);
    }
    return root;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-npm-'));
    runs.length = 0;
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it(
    'runs npm install with an argv array in the server prefix, ' +
      'scripts off, and an env without the gateway secrets',
    async () => {
      const io = { log: () => undefined, signal: new AbortController().signal };
      await installer.install(
        dir,
        { runtime: 'node', name: '@s/pkg', allowScripts: false, customCommand: false },
        '^1.2.0',
        io,
      );
      const run = runs[0]!;
      expect(run.command).to.equal('npm');
      expect(run.args).to.deep.equal([
        'install',
        '@s/pkg@^1.2.0',
        '--prefix',
        dir,
        '--save-exact',
        '--omit=dev',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
      ]);
      expect(run.cwd).to.equal(dir);
      expect(run.env).to.include({
        PATH: '/bin',
        HOME: '/h',
        HTTPS_PROXY: 'http://proxy:3128',
        npm_config_registry: 'http://127.0.0.1:4873/',
      });
      expect(run.env).to.not.have.property('SECRETS_KEY');
      await installer.install(
        dir,
        { runtime: 'node', name: 'pkg', allowScripts: true, customCommand: false },
        undefined,
        io,
      );
      expect(runs[1]!.args).to.include('pkg@latest').and.not.include('--ignore-scripts');
    },
  );

  it('derives node <bin> from the bin named like the package, else main, and keeps user args', async () => {
    const root = await pkg(
      '@s/tool',
      { bin: { other: 'o.js', tool: 'dist/cli.js' } },
      { 'dist/cli.js': '#!/usr/bin/env node\n', 'o.js': '' },
    );
    expect(await installer.entry(dir, '@s/tool', ['--flag'])).to.deep.equal({
      command: 'node',
      args: [join(root, 'dist/cli.js'), '--flag'],
    });
    const main = await pkg('mainonly', { main: 'lib/index.js' }, { 'lib/index.js': '' });
    expect(await installer.entry(dir, 'mainonly', [])).to.deep.equal({
      command: 'node',
      args: [join(main, 'lib/index.js')],
    });
  });

  it('runs a non-node bin as itself, and refuses an entry point outside the package or missing', async () => {
    const root = await pkg('shell', { bin: 'run.sh' }, { 'run.sh': '#!/bin/sh\nexec true\n' });
    expect(await installer.entry(dir, 'shell', ['a'])).to.deep.equal({
      command: join(root, 'run.sh'),
      args: ['a'],
    });
    await pkg('escape', { bin: '../../../etc/passwd' }, {});
    let error: unknown;
    await installer.entry(dir, 'escape', []).catch((e: unknown) => (error = e));
    expect(String(error)).to.contain('outside its own directory');
    await pkg('empty', {}, {});
    await installer.entry(dir, 'empty', []).catch((e: unknown) => (error = e));
    expect(String(error)).to.contain('no runnable entry point');
  });

  it('buildInstallerEnv adds proxy and CA settings, never other gateway variables', () => {
    const env = buildInstallerEnv(
      {
        PATH: '/b',
        SECRETS_KEY: 'k',
        MONGO_PASS: 'p',
        NO_PROXY: 'localhost',
        PIP_CERT: '/ca.pem',
        https_proxy: '() { :; }',
      },
      { OWN: '1' },
    );
    expect(env).to.deep.equal({ PATH: '/b', NO_PROXY: 'localhost', PIP_CERT: '/ca.pem', OWN: '1' });
  });
});
