import { expect } from 'chai';
import {
  indexUrlProblem,
  isDistTag,
  normalizePypiName,
  npmNameProblem,
  npmVersionProblem,
  pipRequirementProblem,
  pipVersionProblem,
  pypiNameProblem,
  pythonModuleProblem,
} from '../../src/packages/validation.js';

const accepts = (fn: (v: string) => string | undefined, values: string[]) => {
  for (const v of values) expect(fn(v), JSON.stringify(v)).to.equal(undefined);
};
const refuses = (fn: (v: string) => string | undefined, values: string[]) => {
  for (const v of values) expect(fn(v), JSON.stringify(v)).to.be.a('string');
};

describe('package validators', () => {
  it('npm names: plain and scoped names pass; options, paths, URLs, specs and look-alikes do not', () => {
    accepts(npmNameProblem, [
      'left-pad',
      '@modelcontextprotocol/server-memory',
      'a',
      'lodash.get',
      'pkg_1',
      '@s/x~y',
      'x'.repeat(214),
    ]);
    refuses(npmNameProblem, [
      '',
      '-rf',
      '--registry=x',
      '.hidden',
      '_private',
      '..',
      '@scope/../x',
      '@scope/',
      'a/b',
      '@a/b/c',
      'Upper',
      'a b',
      'file:x',
      'git+https://x/y',
      'https://x',
      'npm:x',
      'node_modules',
      '@s/node_modules',
      '\u2013rf',
      'x\u0000',
      'x'.repeat(215),
      'caf\u00e9',
      '$(id)',
    ]);
  });
  it(
    'npm versions: semver, ranges and dist-tags pass; ' +
      'anything that npm would read as another kind of spec does not',
    () => {
      accepts(npmVersionProblem, [
        '1.2.3',
        'v1.2.3',
        '1.0.0-rc.1+build',
        '^1.2.0',
        '~1.2',
        '>=1.0.0 <2.0.0',
        '>= 1.0.0',
        '1.x',
        '*',
        '1.0.0 - 2.0.0',
        '^1 || ^2',
        'latest',
        'next',
        'beta-2',
      ]);
      refuses(npmVersionProblem, [
        '',
        '-1',
        '--tag=x',
        '1.0.0;id',
        'file:x',
        'git+ssh://x',
        'https://x',
        '../x',
        'npm:x@1',
        'x y',
        ' 1.0.0',
        '1.0.0 ',
        '1..0',
        '>>1',
        '1.0.0 - 2.0.0 - 3.0.0',
        'v1x',
      ]);
      expect(isDistTag('latest')).to.equal(true);
      expect(isDistTag('v1')).to.equal(false);
      expect(isDistTag('x')).to.equal(false);
    },
  );
  it('PyPI names, versions and requirements follow PEP 508 and PEP 440', () => {
    accepts(pypiNameProblem, ['requests', 'mcp-server-fetch', 'Zope.Interface', 'a', 'x_y-z.1']);
    refuses(pypiNameProblem, [
      '',
      '-r',
      '.x',
      'x-',
      'pkg[extra]',
      'a b',
      'git+https://x',
      '../x',
      'x;y',
      '\u2013x',
    ]);
    accepts(pipVersionProblem, [
      '1.0',
      '2.0.0rc1',
      '1.0.post2.dev3',
      '1!2.0',
      '>=1.2,<2',
      '~=1.4',
      '==1.0.*',
      '!=1.3',
    ]);
    refuses(pipVersionProblem, [
      '',
      '-e .',
      '1.0 ; python_version>"3"',
      '===foo',
      'latest',
      '>=1.2;<2',
      '@ https://x',
    ]);
    accepts(pipRequirementProblem, [
      'requests',
      'requests[socks]',
      'requests>=2,<3',
      'uvicorn[standard]==0.30',
    ]);
    refuses(pipRequirementProblem, [
      '--editable=.',
      '-r x',
      'pkg @ https://x/y.whl',
      'git+https://x',
      'x; sys_platform=="linux"',
      'x>=',
    ]);
    expect(normalizePypiName('Mcp_Fixture..Py')).to.equal('mcp-fixture-py');
  });
  it('Python modules are dotted identifiers', () => {
    accepts(pythonModuleProblem, ['mcp_server', 'pkg.sub.main', '_private']);
    refuses(pythonModuleProblem, ['', '-c', '1abc', 'a..b', 'a.', '../x', 'os;x', 'a b']);
  });
  it('index URLs are http(s) without credentials or whitespace', () => {
    accepts(indexUrlProblem, [
      'https://pypi.org/simple/',
      'http://127.0.0.1:8080/simple',
      'https://mirror.example/pypi/simple?x=1',
    ]);
    refuses(indexUrlProblem, [
      'file:///etc/passwd',
      'ftp://x/simple',
      '--index-url=x',
      'https://u:p@x/simple',
      'https://token@x/simple',
      'javascript:alert(1)',
      'https://x/simple --trusted-host y',
      'https://x/\u0000',
      'simple',
      '',
    ]);
  });
});
