import { expect } from 'chai';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEY_FILE_NAME, loadOrCreateKeyFile } from '../../src/crypto/keyFile.js';
import { createLogger, type Logger } from '../../src/logger.js';

function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', write: (l) => lines.push(l) }), lines };
}

describe('keyFile', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mcp-api-keyfile-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates a random key file with mode 0600 in a new directory and warns with the path, not the key', async () => {
    const dataDir = join(root, 'nested', 'data');
    const { logger, lines } = capturingLogger();
    const key = await loadOrCreateKeyFile(dataDir, logger);
    const path = join(dataDir, KEY_FILE_NAME);

    expect(Buffer.from(key, 'base64url')).to.have.length(32);
    expect(await readFile(path, 'utf8')).to.equal(`${key}\n`);
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
    expect((await stat(dataDir)).mode & 0o077).to.equal(0);

    expect(lines).to.have.length(1);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(line.level).to.equal('warn');
    expect(line.path).to.equal(path);
    expect(lines[0]).to.not.contain(key);
  });

  it('returns the same key on a second call without rewriting the file or warning again', async () => {
    const { logger, lines } = capturingLogger();
    const first = await loadOrCreateKeyFile(root, logger);
    const path = join(root, KEY_FILE_NAME);
    const before = await stat(path);
    const second = await loadOrCreateKeyFile(root, logger);
    const after = await stat(path);
    expect(second).to.equal(first);
    expect(after.ino).to.equal(before.ino);
    expect(after.mtimeMs).to.equal(before.mtimeMs);
    expect(lines).to.have.length(1);
  });

  it('gives different directories different keys', async () => {
    const { logger } = capturingLogger();
    const a = await loadOrCreateKeyFile(join(root, 'a'), logger);
    const b = await loadOrCreateKeyFile(join(root, 'b'), logger);
    expect(a).to.not.equal(b);
  });

  it('reads an existing key file (trimmed) and warns when group or others can read it, without the key', async () => {
    const path = join(root, KEY_FILE_NAME);
    await mkdir(root, { recursive: true });
    await writeFile(path, '  operator-provided-canary-key  \n');
    await chmod(path, 0o644);
    const { logger, lines } = capturingLogger();
    expect(await loadOrCreateKeyFile(root, logger)).to.equal('operator-provided-canary-key');
    expect(lines).to.have.length(1);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(line).to.deep.include({ level: 'warn', path, mode: '644' });
    expect(lines[0]).to.not.contain('canary');
  });

  it('fails (instead of generating a new key) when the key file exists but cannot be read', async () => {
    // A directory in the key file's place: readable by nobody as a file, root included.
    const path = join(root, KEY_FILE_NAME);
    await mkdir(path);
    const { logger, lines } = capturingLogger();
    let caught: unknown;
    try {
      await loadOrCreateKeyFile(root, logger);
    } catch (e) {
      caught = e;
    }
    expect((caught as NodeJS.ErrnoException).code).to.equal('EISDIR');
    expect((await stat(path)).isDirectory()).to.equal(true);
    expect(lines).to.deep.equal([]);
  });
});
