import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { AppError } from '../../errors.js';
import { SERVER_NAME } from '../../events/serverEvents.js';

export type Runtime = 'node' | 'python';

/** Written first into every install directory: only directories carrying it are ever deleted. */
export const MARKER = '.mcp-api-install.json';

interface Marker {
  readonly serverName: string;
  readonly installId: string;
  readonly runtime: Runtime;
  /** The gateway (its DATA_DIR identity) that created the directory; absent in markers written before owners. */
  readonly owner?: string;
}

/** The owner used when none is configured (embedded use, tests): the npm root itself, so distinct roots never match. */
export const fallbackOwner = (npmRoot: string): string => `dir:${resolve(npmRoot)}`;

export interface ManagedDir extends Marker {
  readonly path: string;
}

/**
 * The two install roots (npm prefixes, Python venvs) and the only code that creates or deletes
 * under them. A path is always root + one validated server name, checked again after resolving;
 * deletion needs our marker with the expected install id, so a directory the gateway did not
 * create (or a symlink) is never removed, whatever the events say. The marker names its owner (the
 * creating gateway's DATA_DIR identity): a gateway sharing the roots with another (same checkout,
 * same volume) never replaces, sweeps or deletes the other's directories.
 */
export class InstallRoots {
  private readonly roots: Record<Runtime, string>;
  private readonly owner: string;

  constructor(npmRoot: string, venvRoot: string, owner?: string) {
    this.roots = { node: resolve(npmRoot), python: resolve(venvRoot) };
    this.owner = owner ?? fallbackOwner(npmRoot);
  }

  pathFor(runtime: Runtime, serverName: string): string {
    if (!SERVER_NAME.test(serverName))
      throw new AppError('invalid_request', 'Invalid server name for an install directory');
    const root = this.roots[runtime];
    const path = resolve(root, serverName);
    if (dirname(path) !== root || !path.startsWith(root + sep))
      throw new AppError('invalid_request', 'Install directory escapes its root');
    return path;
  }

  /** Creates an empty install directory with its marker; clears our own leftovers, refuses anything else. */
  async prepare(runtime: Runtime, serverName: string, installId: string): Promise<string> {
    const path = this.pathFor(runtime, serverName);
    await mkdir(this.roots[runtime], { recursive: true });
    const existing = await this.kind(path);
    if (existing === 'foreign') {
      throw new AppError(
        'package_already_installed',
        `The install directory for ${serverName} exists and was not created by mcp-api (or by another gateway ` +
          `sharing the directory); remove it first`,
        {
          serverName,
        },
      );
    }
    if (existing === 'ours') await rm(path, { recursive: true, force: true });
    await mkdir(path);
    const marker: Marker = { serverName, installId, runtime, owner: this.owner };
    await writeFile(join(path, MARKER), JSON.stringify(marker) + '\n', { flag: 'wx' });
    return path;
  }

  /**
   * Removes an install directory if it is ours (and, given an id, from that install). Returns whether it removed
   * it.
   */
  async remove(runtime: Runtime, serverName: string, installId?: string): Promise<boolean> {
    const path = this.pathFor(runtime, serverName);
    const marker = await readMarker(path);
    if (
      !marker ||
      marker.serverName !== serverName ||
      (installId !== undefined && marker.installId !== installId)
    )
      return false;
    // A marker from before owners is removed only for its own install id (a UUID no other gateway holds).
    if (marker.owner === undefined ? installId === undefined : marker.owner !== this.owner) return false;
    await rm(path, { recursive: true, force: true });
    return true;
  }

  /** Every directory under the roots that carries this gateway's marker (for boot-time garbage collection). */
  async listManaged(): Promise<ManagedDir[]> {
    const found: ManagedDir[] = [];
    for (const runtime of ['node', 'python'] as const) {
      let names: string[];
      try {
        names = await readdir(this.roots[runtime]);
      } catch {
        continue;
      }
      for (const name of names) {
        if (!SERVER_NAME.test(name)) continue;
        const path = this.pathFor(runtime, name);
        const marker = await readMarker(path);
        const ours = marker?.owner === this.owner && marker.serverName === name && marker.runtime === runtime;
        if (marker && ours) found.push({ ...marker, path });
      }
    }
    return found;
  }

  private async kind(path: string): Promise<'none' | 'ours' | 'foreign'> {
    try {
      await lstat(path);
    } catch {
      return 'none';
    }
    return (await readMarker(path))?.owner === this.owner ? 'ours' : 'foreign';
  }
}

async function readMarker(path: string): Promise<Marker | undefined> {
  try {
    if (!(await lstat(path)).isDirectory()) return undefined; // a symlink or file is never ours
    const parsed = JSON.parse(await readFile(join(path, MARKER), 'utf8')) as Partial<Marker>;
    if (typeof parsed.serverName !== 'string' || typeof parsed.installId !== 'string') return undefined;
    if (parsed.runtime !== 'node' && parsed.runtime !== 'python') return undefined;
    const owner = typeof parsed.owner === 'string' ? { owner: parsed.owner } : {};
    return { serverName: parsed.serverName, installId: parsed.installId, runtime: parsed.runtime, ...owner };
  } catch {
    return undefined;
  }
}
