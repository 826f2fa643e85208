import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PackageSpec } from '../../../src/events/packageEvents.js';
import { PipInstaller } from '../../../src/runtime/packages/pipInstaller.js';
import type { RunRequest } from '../../../src/runtime/packages/processRunner.js';

const spec: PackageSpec = {
  runtime: 'python',
  name: 'mcp-thing',
  allowScripts: false,
  customCommand: false,
  pythonModule: 'mcp_thing',
  pythonArgs: [],
};

describe('PipInstaller', () => {
  const runs: RunRequest[] = [];
  const make = (extra: Partial<ConstructorParameters<typeof PipInstaller>[0]> = {}) =>
    new PipInstaller({
      pythonBin: '/usr/bin/python3',
      parentEnv: { PATH: '/bin', SECRETS_KEY: 'canary', PIP_CERT: '/ca.pem' },
      run: async (request) => {
        runs.push(request);
        return { code: 0, timedOut: false, aborted: false, tail: ['1.0'] };
      },
      installTimeoutMs: 1000,
      checkTimeoutMs: 300,
      ...extra,
    });
  const io = { log: () => undefined, signal: new AbortController().signal };
  beforeEach(() => (runs.length = 0));

  it('runs pip inside the venv with the record’s index URLs (else the defaults), --upgrade for upgrades', async () => {
    const pip = make({ indexUrl: 'https://default.example/simple/' });
    await pip.install(
      '/v',
      { ...spec, pipExtraIndexUrl: 'https://extra.example/simple/', pipDependencies: ['httpx>=0.27'] },
      '1.2',
      true,
      io,
    );
    expect(runs[0]!.command).to.equal('/v/bin/python');
    expect(runs[0]!.args).to.deep.equal([
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--upgrade',
      '--index-url',
      'https://default.example/simple/',
      '--extra-index-url',
      'https://extra.example/simple/',
      'mcp-thing==1.2',
      'httpx>=0.27',
    ]);
    expect(runs[0]!.env).to.include({
      PATH: '/bin',
      PIP_CERT: '/ca.pem',
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
    });
    expect(runs[0]!.env).to.not.have.property('SECRETS_KEY');
    await pip.install('/v', { ...spec, pipIndexUrl: 'https://own.example/simple/' }, '>=1,<2', false, io);
    expect(runs[1]!.args)
      .to.include('https://own.example/simple/')
      .and.include('mcp-thing>=1,<2')
      .and.not.include('--upgrade');
  });

  it('refuses invalid input before running anything', async () => {
    const pip = make();
    const cases: Array<[PackageSpec, string | undefined]> = [
      [{ ...spec, name: '-r' }, undefined],
      [spec, '-e .'],
      [{ ...spec, pipDependencies: ['--pre'] }, undefined],
    ];
    for (const [s, v] of cases) {
      let error: unknown;
      await pip.install('/v', s, v, false, io).catch((e: unknown) => (error = e));
      expect(String(error)).to.match(/Invalid/);
    }
    expect(runs).to.deep.equal([]);
  });

  describe('update checks against a simple index', () => {
    let server: Server;
    let url: string;
    let hang = false;
    before(async () => {
      server = createServer((req, res) => {
        if (hang) return;
        if (req.url === '/simple/mcp-thing/') {
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end(
              '<a href="f">mcp_thing-1.0-py3-none-any.whl</a><a href="g">mcp_thing-1.4.tar.gz</a>' +
                '<a href="h">mcp_thing-2.0b1.tar.gz</a>',
            );
        } else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('finds the newest release, and a prerelease only for a prerelease install', async () => {
      const pip = make();
      expect(await pip.latest({ ...spec, pipIndexUrl: url }, '1.0')).to.equal('1.4');
      expect(await pip.latest({ ...spec, pipIndexUrl: url }, '2.0a1')).to.equal('2.0b1');
    });

    it('gives up after the check timeout with a clear error', async () => {
      hang = true;
      let error: unknown;
      await make()
        .latest({ ...spec, pipIndexUrl: url }, '1.0')
        .catch((e: unknown) => (error = e));
      hang = false;
      expect(error).to.include({ code: 'upstream_timeout' });
      expect(String(error)).to.contain('did not answer in time');
    });
  });
});
