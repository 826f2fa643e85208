import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface Published {
  readonly manifest: Record<string, unknown>;
  readonly tarball: Buffer;
}

/**
 * A tiny npm registry on 127.0.0.1: packuments and tarballs made with `npm pack` from files the
 * test provides. `hold()` makes tarball downloads hang until `release()` (an install in progress).
 */
export class LocalNpmRegistry {
  readonly requests: string[] = [];
  private readonly packages = new Map<
    string,
    { versions: Map<string, Published>; tags: Record<string, string> }
  >();
  private held: Array<() => void> | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly workDir: string,
  ) {}

  static async start(): Promise<LocalNpmRegistry> {
    const workDir = await mkdtemp(join(tmpdir(), 'mcp-npm-registry-'));
    // eslint-disable-next-line prefer-const -- assigned once below, used by the handler created before it
    let registry!: LocalNpmRegistry;
    const server = createServer((req, res) => void registry.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    registry = new LocalNpmRegistry(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      workDir,
    );
    return registry;
  }

  /** Packs `files` with npm pack and publishes them as name@version (moving `tag`, default latest). */
  async publish(files: Record<string, string>, tag = 'latest'): Promise<void> {
    const manifest = JSON.parse(files['package.json'] as string) as { name: string; version: string };
    const dir = await mkdtemp(join(this.workDir, 'pkg-'));
    for (const [path, content] of Object.entries(files))
      await writeFile(join(dir, path), content, { mode: path.endsWith('.js') ? 0o755 : 0o644 });
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: this.workDir,
      npm_config_cache: join(this.workDir, 'cache'),
    };
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {
      cwd: dir,
      env,
    });
    const tarball = await readFile(join(dir, stdout.trim().split('\n').pop() as string));
    const entry = this.packages.get(manifest.name) ?? {
      versions: new Map<string, Published>(),
      tags: {} as Record<string, string>,
    };
    entry.versions.set(manifest.version, { manifest, tarball });
    entry.tags[tag] = manifest.version;
    this.packages.set(manifest.name, entry);
  }

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const go of waiting) go();
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.workDir, { recursive: true, force: true });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] as string);
    this.requests.push(path);
    const tarball = /^\/(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(path);
    if (tarball) {
      const published = this.packages.get(tarball[1] as string)?.versions.get(tarball[2] as string);
      if (!published) return void res.writeHead(404).end();
      if (this.held) await new Promise<void>((resolve) => this.held?.push(resolve));
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(published.tarball);
      return;
    }
    const entry = this.packages.get(path.slice(1));
    if (!entry)
      return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
    const versions: Record<string, unknown> = {};
    for (const [version, p] of entry.versions) {
      const base = (p.manifest.name as string).split('/').pop() as string;
      versions[version] = {
        ...p.manifest,
        _id: `${String(p.manifest.name)}@${version}`,
        dist: {
          tarball: `${this.url}/${String(p.manifest.name)}/-/${base}-${version}.tgz`,
          shasum: createHash('sha1').update(p.tarball).digest('hex'),
          integrity: `sha512-${createHash('sha512').update(p.tarball).digest('base64')}`,
        },
      };
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ name: path.slice(1), 'dist-tags': entry.tags, versions }));
  }
}
