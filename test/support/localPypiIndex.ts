import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Writes a pure-Python wheel (a zip with dist-info METADATA, WHEEL, RECORD); prints its file name. */
const BUILD_WHEEL = `
import base64, hashlib, os, sys, zipfile
out, dist, version, module, main = sys.argv[1:6]
stem = dist.replace("-", "_")
info = f"{stem}-{version}.dist-info"
files = {
    f"{module}/__init__.py": f"__version__ = {version!r}\\n",
    f"{module}/__main__.py": main,
    f"{info}/METADATA": f"Metadata-Version: 2.1\\nName: {dist}\\nVersion: {version}\\nSummary: MCP fixture\\n",
    f"{info}/WHEEL": "Wheel-Version: 1.0\\nGenerator: mcp-api-tests\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
name = f"{stem}-{version}-py3-none-any.whl"
record = []
with zipfile.ZipFile(os.path.join(out, name), "w", zipfile.ZIP_DEFLATED) as z:
    for path, text in files.items():
        data = text.encode()
        z.writestr(path, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    z.writestr(f"{info}/RECORD", "\\n".join(record) + "\\n")
print(name)
`;

interface Wheel {
  readonly filename: string;
  readonly data: Buffer;
}

/**
 * A PEP 503 / PEP 691 simple index on 127.0.0.1 serving wheels built in the test. Pages are JSON
 * when the client prefers it (pip does), HTML otherwise.
 */
export class LocalPypiIndex {
  readonly requests: string[] = [];
  private readonly projects = new Map<string, Wheel[]>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly workDir: string,
  ) {}

  static async start(): Promise<LocalPypiIndex> {
    const workDir = await mkdtemp(join(tmpdir(), 'mcp-pypi-index-'));
    // eslint-disable-next-line prefer-const -- assigned once below, used by the handler created before it
    let index!: LocalPypiIndex;
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] as string;
      index.requests.push(path);
      const file = /^\/files\/([^/]+)$/.exec(path);
      if (file) {
        const wheel = [...index.projects.values()].flat().find((w) => w.filename === file[1]);
        return wheel
          ? res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(wheel.data)
          : res.writeHead(404).end();
      }
      const page = /^\/simple\/([^/]+)\/$/.exec(path);
      const wheels = page ? index.projects.get(page[1] as string) : undefined;
      if (!wheels) return res.writeHead(404).end('not found');
      const sha = (w: Wheel) => createHash('sha256').update(w.data).digest('hex');
      if (String(req.headers.accept ?? '').includes('application/vnd.pypi.simple.v1+json')) {
        const files = wheels.map((w) => ({
          filename: w.filename,
          url: `../../files/${w.filename}`,
          hashes: { sha256: sha(w) },
        }));
        return res
          .writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' })
          .end(JSON.stringify({ meta: { 'api-version': '1.0' }, name: page![1], files }));
      }
      const links = wheels
        .map((w) => `<a href="../../files/${w.filename}#sha256=${sha(w)}">${w.filename}</a>`)
        .join('<br/>\n');
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!DOCTYPE html><html><body>\n${links}\n</body></html>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    index = new LocalPypiIndex(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`,
      workDir,
    );
    return index;
  }

  /** Builds a wheel of `dist` at `version` whose `module/__main__.py` is `main`, and lists it on the index. */
  async publish(dist: string, version: string, module: string, main: string): Promise<void> {
    const { stdout } = await run('python3', ['-c', BUILD_WHEEL, this.workDir, dist, version, module, main]);
    const filename = stdout.trim();
    const key = dist.toLowerCase().replace(/[-_.]+/g, '-');
    const list = this.projects.get(key) ?? [];
    list.push({ filename, data: await readFile(join(this.workDir, filename)) });
    this.projects.set(key, list);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.workDir, { recursive: true, force: true });
  }
}
