import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fallbackOwner, InstallRoots, MARKER } from '../../../src/runtime/packages/installRoots.js';

describe('InstallRoots', () => {
  let base: string;
  let roots: InstallRoots;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'mcp-roots-'));
    roots = new InstallRoots(join(base, 'npm'), join(base, 'py'));
  });
  afterEach(async () => rm(base, { recursive: true, force: true }));

  it('puts each server in its own directory directly under its root, and refuses names that could escape', () => {
    expect(roots.pathFor('node', 'srv')).to.equal(join(base, 'npm', 'srv'));
    expect(roots.pathFor('python', 'srv')).to.equal(join(base, 'py', 'srv'));
    for (const bad of ['..', '.', '../x', 'a/b', '/etc', '', '-x', 'a\u0000'])
      expect(() => roots.pathFor('node', bad), bad).to.throw(/Invalid server name/);
  });

  it('prepares a marked directory, replaces its own leftovers, and refuses a directory it did not create', async () => {
    const dir = await roots.prepare('node', 'srv', 'i1');
    expect(existsSync(join(dir, MARKER))).to.equal(true);
    await writeFile(join(dir, 'leftover'), 'x');
    await roots.prepare('node', 'srv', 'i2');
    expect(existsSync(join(dir, 'leftover'))).to.equal(false);
    await mkdir(join(base, 'npm', 'theirs'));
    let error: unknown;
    await roots.prepare('node', 'theirs', 'i3').catch((e: unknown) => (error = e));
    expect(String(error)).to.contain('not created by mcp-api');
  });

  it('removes only its own directory of the expected install, never a symlink or an unmarked directory', async () => {
    const dir = await roots.prepare('node', 'srv', 'i1');
    expect(await roots.remove('node', 'srv', 'other-install')).to.equal(false);
    expect(existsSync(dir)).to.equal(true);
    expect(await roots.remove('node', 'srv', 'i1')).to.equal(true);
    expect(existsSync(dir)).to.equal(false);

    const outside = await mkdtemp(join(tmpdir(), 'mcp-outside-'));
    await writeFile(
      join(outside, MARKER),
      JSON.stringify({ serverName: 'link', installId: 'i', runtime: 'node' }),
    );
    await symlink(outside, join(base, 'npm', 'link'));
    expect(await roots.remove('node', 'link', 'i')).to.equal(false);
    expect(existsSync(join(outside, MARKER))).to.equal(true);
    await rm(outside, { recursive: true, force: true });
  });

  it('lists the marked directories of both roots', async () => {
    await roots.prepare('node', 'a', 'i1');
    await roots.prepare('python', 'b', 'i2');
    await mkdir(join(base, 'npm', 'plain'));
    const found = (await roots.listManaged()).map((d) => [d.runtime, d.serverName, d.installId]);
    expect(found).to.deep.equal([
      ['node', 'a', 'i1'],
      ['python', 'b', 'i2'],
    ]);
  });

  describe('ownership (two gateways sharing the roots)', () => {
    let mine: InstallRoots;
    let theirs: InstallRoots;
    beforeEach(() => {
      mine = new InstallRoots(join(base, 'npm'), join(base, 'py'), 'gateway-a');
      theirs = new InstallRoots(join(base, 'npm'), join(base, 'py'), 'gateway-b');
    });

    it('never lists, removes or replaces a directory another gateway marked', async () => {
      const dir = await theirs.prepare('node', 'other', 'i-b');
      expect(await mine.listManaged()).to.deep.equal([]);
      expect(await mine.remove('node', 'other', 'i-b')).to.equal(false);
      expect(await mine.remove('node', 'other')).to.equal(false);
      let error: unknown;
      await mine.prepare('node', 'other', 'i-a').catch((e: unknown) => (error = e));
      expect(String(error)).to.contain('not created by mcp-api');
      expect(existsSync(join(dir, MARKER))).to.equal(true);
      expect((await theirs.listManaged()).map((d) => d.serverName)).to.deep.equal(['other']);
      expect(await theirs.remove('node', 'other', 'i-b')).to.equal(true);
    });

    it('removes a marker from before owners only for its own install id, and never sweeps it', async () => {
      const dir = join(base, 'npm', 'legacy');
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, MARKER),
        JSON.stringify({ serverName: 'legacy', installId: 'i-old', runtime: 'node' }),
      );
      expect(await mine.listManaged()).to.deep.equal([]);
      expect(await mine.remove('node', 'legacy')).to.equal(false);
      expect(await mine.remove('node', 'legacy', 'i-old')).to.equal(true);
      expect(existsSync(dir)).to.equal(false);
    });

    it('without a configured owner, owns by its npm root', async () => {
      const dir = await roots.prepare('node', 'x', 'i1');
      expect(JSON.parse(await readFile(join(dir, MARKER), 'utf8'))).to.include({
        owner: fallbackOwner(join(base, 'npm')),
      });
    });
  });
});
