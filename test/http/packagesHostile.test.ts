import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import type { RunRequest, RunResult } from '../../src/runtime/packages/processRunner.js';
import { startTestGateway, type TestGateway } from '../support/testGateway.js';

const npm = (name: string, extra: Record<string, unknown> = {}) => ({ name, serverName: 'victim', ...extra });
const npmVersion = (version: unknown) => ({ name: 'left-pad', version, serverName: 'victim' });
const py = (extra: Record<string, unknown>) => ({
  name: 'mcp-thing',
  serverName: 'victim',
  runtime: 'python',
  pythonModule: 'mcp_thing',
  ...extra,
});

/** [what, body, the field the 400 must name]. Every one must be refused before anything runs. */
const HOSTILE: Array<[string, Record<string, unknown>, string]> = [
  ['leading dash', npm('-rf'), 'name'],
  ['an npm option as name', npm('--registry=http://127.0.0.1:9/evil'), 'name'],
  ['--prefix as name', npm('--prefix=/tmp/escape'), 'name'],
  ['git+https spec', npm('git+https://github.com/x/y.git'), 'name'],
  ['tarball URL', npm('https://example.invalid/pkg.tgz'), 'name'],
  ['file: spec', npm('file:../x'), 'name'],
  ['relative path', npm('../x'), 'name'],
  ['traversal inside a scope', npm('@scope/../x'), 'name'],
  ['dot path', npm('./local'), 'name'],
  ['absolute path', npm('/etc/passwd'), 'name'],
  ['single dot', npm('.'), 'name'],
  ['double dot', npm('..'), 'name'],
  ['slash outside a scope', npm('a/b'), 'name'],
  ['NUL byte', npm('left\u0000pad'), 'name'],
  ['en dash option', npm('\u2013rf'), 'name'],
  ['em dash option', npm('\u2014registry=x'), 'name'],
  ['shell separator', npm('pkg;rm -rf /'), 'name'],
  ['shell and-list', npm('pkg && curl x|sh'), 'name'],
  ['command substitution', npm('$(whoami)'), 'name'],
  ['backticks', npm('`id`'), 'name'],
  ['5000-character name', npm('a'.repeat(5000)), 'name'],
  ['empty name', npm(''), 'name'],
  ['space in name', npm('left pad'), 'name'],
  ['upper case', npm('Left-Pad'), 'name'],
  ['github shorthand', npm('github:user/repo'), 'name'],
  ['npm alias', npm('npm:other@1.0.0'), 'name'],
  ['empty scoped name', npm('@evilscope/'), 'name'],
  ['reserved name', npm('node_modules'), 'name'],
  ['newline then option', npm('pkg\n--registry=x'), 'name'],
  ['home path', npm('~/x'), 'name'],
  ['version as option', npmVersion('--registry=http://127.0.0.1:9'), 'version'],
  ['negative-looking version', npmVersion('-1.0.0'), 'version'],
  ['version with shell', npmVersion('1.0.0; rm -rf /'), 'version'],
  ['file: version', npmVersion('file:../x'), 'version'],
  ['git+ssh version', npmVersion('git+ssh://git@github.com/x/y'), 'version'],
  ['URL version', npmVersion('https://example.invalid/x.tgz'), 'version'],
  ['path version', npmVersion('../../x'), 'version'],
  ['tag with shell', npmVersion('latest && id'), 'version'],
  ['NUL in version', npmVersion('1.0.0\u0000'), 'version'],
  ['alias version', npmVersion('npm:evil@1'), 'version'],
  ['range with substitution', npmVersion('1.0.0 || $(id)'), 'version'],
  ['overlong version', npmVersion('1'.repeat(300)), 'version'],
  ['Unicode minus', npmVersion('\u22121.0.0'), 'version'],
  ['version not a string', npmVersion(['1.0.0']), 'version'],
  ['pip: requirements option as name', py({ name: '-r requirements.txt' }), 'name'],
  ['pip: index option as name', py({ name: '--index-url=http://127.0.0.1:9' }), 'name'],
  ['pip: extras in name', py({ name: 'pkg[extra]' }), 'name'],
  ['pip: VCS URL', py({ name: 'git+https://example.invalid/y' }), 'name'],
  ['pip: path name', py({ name: '../x' }), 'name'],
  ['pip: environment marker', py({ version: '==1.0 ; python_version>"3"' }), 'version'],
  ['pip: editable option', py({ version: '-e .' }), 'version'],
  ['pip: file index', py({ pipIndexUrl: 'file:///etc/passwd' }), 'pipIndexUrl'],
  ['pip: ftp index', py({ pipIndexUrl: 'ftp://example.invalid/simple' }), 'pipIndexUrl'],
  ['pip: option as index', py({ pipIndexUrl: '--trusted-host=evil' }), 'pipIndexUrl'],
  [
    'pip: credentials in index',
    py({ pipIndexUrl: 'https://user:token@example.invalid/simple' }),
    'pipIndexUrl',
  ],
  ['pip: javascript extra index', py({ pipExtraIndexUrl: 'javascript:alert(1)' }), 'pipExtraIndexUrl'],
  [
    'pip: index with whitespace',
    py({ pipIndexUrl: 'https://example.invalid/simple --trusted-host x' }),
    'pipIndexUrl',
  ],
  ['pip: module with code', py({ pythonModule: 'os; import x' }), 'pythonModule'],
  ['pip: option as module', py({ pythonModule: '-c' }), 'pythonModule'],
  ['pip: path as module', py({ pythonModule: '../x' }), 'pythonModule'],
  ['pip: editable dependency', py({ pipDependencies: ['--editable=.'] }), 'pipDependencies'],
  ['pip: VCS dependency', py({ pipDependencies: ['git+https://example.invalid/y'] }), 'pipDependencies'],
  [
    'pip: URL dependency',
    py({ pipDependencies: ['pkg @ https://example.invalid/y.whl'] }),
    'pipDependencies',
  ],
  ['pip: missing module', py({ pythonModule: undefined }), 'pythonModule'],
  ['pip: remote transport', py({ transportType: 'streamable_http' }), 'transportType'],
  [
    'per-user processes for a remote server',
    npm('left-pad', {
      transportType: 'streamable_http',
      url: 'https://example.com/mcp',
      secretDelivery: 'env',
    }),
    'secretDelivery',
  ],
  ['an unknown secretDelivery', npm('left-pad', { secretDelivery: 'carrier-pigeon' }), 'secretDelivery'],
  ['server name traversal', npm('left-pad', { serverName: '../x' }), 'serverName'],
  ['server name dot', npm('left-pad', { serverName: '.' }), 'serverName'],
  ['server name with slash', npm('left-pad', { serverName: 'a/b' }), 'serverName'],
  ['server name as option', npm('left-pad', { serverName: '-x' }), 'serverName'],
  ['overlong server name', npm('left-pad', { serverName: 'x'.repeat(65) }), 'serverName'],
  ['non-ASCII server name', npm('left-pad', { serverName: '\u03a9mega' }), 'serverName'],
  ['NUL in args', npm('left-pad', { args: ['ok', 'a\u0000b'] }), 'args'],
];

describe('POST /packages/install with hostile input', function () {
  this.timeout(30_000);
  let gw: TestGateway;
  const spawned: RunRequest[] = [];
  const recordOnly = async (request: RunRequest): Promise<RunResult> => {
    spawned.push(request);
    return { code: 1, timedOut: false, aborted: false, tail: ['refused by the test'] };
  };

  before(async () => {
    gw = await startTestGateway({ packages: { runProcess: recordOnly } });
  });
  after(async () => {
    await gw.close();
  });

  it(`has a table of at least 40 hostile inputs (${HOSTILE.length})`, () => {
    expect(HOSTILE.length).to.be.at.least(40);
  });

  for (const [what, body, field] of HOSTILE) {
    it(`refuses ${what} with a 400 naming ${field}, spawning nothing and writing nothing`, async () => {
      const head = await gw.store.headPosition();
      const res = await gw.request('POST', '/packages/install', body);
      expect(res.status, res.text).to.equal(400);
      expect(res.body).to.include({ success: false, code: 'invalid_request' });
      expect(String(res.body.error)).to.contain(field);
      for (const value of Object.values(body)) {
        if (
          typeof value === 'string' &&
          value.length > 6 &&
          value !== 'left-pad' &&
          value !== 'mcp-thing' &&
          value !== 'victim'
        ) {
          expect(res.text, 'the error must not echo the input').to.not.contain(value);
        }
      }
      expect(spawned, 'no installer process').to.deep.equal([]);
      expect(await gw.store.headPosition(), 'no event').to.equal(head);
      expect(await readdir(gw.dataDir), 'no file besides the event log').to.deep.equal(['events']);
    });
  }

  it('refuses a streamable_http install whose url points at cloud metadata (400, nothing run)', async () => {
    const head = await gw.store.headPosition();
    const res = await gw.request('POST', '/packages/install', {
      name: 'left-pad',
      serverName: 'remote',
      transportType: 'streamable_http',
      url: 'http://169.254.169.254/mcp',
    });
    expect(res.status).to.equal(400);
    expect(String(res.body.error)).to.contain('url');
    expect(spawned).to.deep.equal([]);
    expect(await gw.store.headPosition()).to.equal(head);
  });
});
