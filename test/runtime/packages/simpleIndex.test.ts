import { expect } from 'chai';
import {
  newestVersion,
  parseSimplePage,
  projectUrl,
  versionFromFilename,
} from '../../../src/runtime/packages/simpleIndex.js';

describe('simple index parsing (PEP 503 / PEP 691)', () => {
  it('reads file names and yanked flags from HTML and JSON pages', () => {
    const html =
      `<html><body><a href="../x-1.0.tar.gz#sha256=ab">x-1.0.tar.gz</a>
      <a href="x-1.1-py3-none-any.whl" data-yanked="broken">x-1.1-py3-none-any.whl</a>` +
      '<a href="y">a&amp;b</a></body></html>';
    expect(parseSimplePage(html, 'text/html')).to.deep.equal([
      { filename: 'x-1.0.tar.gz', yanked: false },
      { filename: 'x-1.1-py3-none-any.whl', yanked: true },
      { filename: 'a&b', yanked: false },
    ]);
    const json = JSON.stringify({
      files: [
        { filename: 'x-2.0-py3-none-any.whl', yanked: false },
        { filename: 'x-2.1.zip', yanked: 'reason' },
        { nope: 1 },
      ],
    });
    expect(parseSimplePage(json, 'application/vnd.pypi.simple.v1+json')).to.deep.equal([
      { filename: 'x-2.0-py3-none-any.whl', yanked: false },
      { filename: 'x-2.1.zip', yanked: true },
    ]);
  });
  it('takes versions from wheel and sdist names of the right project only', () => {
    expect(versionFromFilename('mcp_fixture_py-1.2.0-py3-none-any.whl', 'mcp-fixture-py')).to.equal('1.2.0');
    expect(versionFromFilename('Mcp.Fixture-Py-2.0rc1.tar.gz', 'mcp-fixture-py')).to.equal('2.0rc1');
    expect(versionFromFilename('other-1.0-py3-none-any.whl', 'mcp-fixture-py')).to.equal(undefined);
    expect(versionFromFilename('mcp_fixture_py-notaversion-py3-none-any.whl', 'mcp-fixture-py')).to.equal(
      undefined,
    );
    expect(versionFromFilename('mcp_fixture_py-1.0.exe', 'mcp-fixture-py')).to.equal(undefined);
  });
  it('picks the newest non-yanked release, prereleases only for a prerelease install', () => {
    const files = ['p-1.0.tar.gz', 'p-1.10-py3-none-any.whl', 'p-1.9.tar.gz', 'p-2.0rc1.tar.gz'].map(
      (filename) => ({ filename, yanked: false }),
    );
    expect(newestVersion([...files, { filename: 'p-1.11.tar.gz', yanked: true }], 'p')).to.equal('1.10');
    expect(newestVersion(files, 'p', '2.0b1')).to.equal('2.0rc1');
    expect(newestVersion([], 'p')).to.equal(undefined);
  });
  it('builds the normalized project URL', () => {
    expect(projectUrl('http://127.0.0.1:1/simple', 'My_Pkg')).to.equal('http://127.0.0.1:1/simple/my-pkg/');
    expect(projectUrl('https://pypi.org/simple///', 'x')).to.equal('https://pypi.org/simple/x/');
  });
});
