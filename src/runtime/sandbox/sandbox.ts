import { chownSync, existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { SandboxConfig } from '../../events/sandboxConfig.js';
import { sandboxCommand, type Bind, type HostLayout, type SandboxLimits } from './bwrapArgs.js';

/** What a process is started with; a sandbox turns one into another (bwrap around the original). */
export interface SpawnSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd?: string | undefined;
}

/** Applied at each spawn site; identity when the sandbox is off. */
export type SpawnWrapper = (spec: SpawnSpec) => SpawnSpec;

/** A server's own sandbox settings (server config, admin-only like every server setting). */
export type ServerSandboxConfig = SandboxConfig;

export interface SandboxSettings {
  readonly host: HostLayout;
  /** Never visible inside, even under a bound directory: DATA_DIR, the key and token files. */
  readonly hidden: readonly string[];
  /** npm prefixes and venvs live in `<root>/<server>`; each process sees only its own. */
  readonly installRoots: readonly string[];
  readonly serverLimits: SandboxLimits;
  readonly installerLimits: SandboxLimits;
  readonly serverTmpMb: number;
  readonly installerTmpMb: number;
  /** The unprivileged identity inside the sandbox (default nobody). */
  readonly uid: number;
  readonly gid: number;
}

export interface Sandbox {
  /** The wrapper for every process of one server (shared, per-user, tool discovery). */
  server(config: ServerSandboxConfig | undefined, perUser: boolean): SpawnWrapper;
  /** The wrapper for npm, pip and venv runs: writable only in the install directory they name. */
  installer(): SpawnWrapper;
}

const PROJECT_MARKERS = ['node_modules', 'package.json', 'pyvenv.cfg'];
const inside = (path: string, dir: string): boolean =>
  path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

export function createSandbox(settings: SandboxSettings): Sandbox {
  const systemPaths = [...settings.host.systemBinds, ...settings.host.symlinks.map((l) => l.path)];
  const installDir = (path: string): string | undefined => {
    for (const root of settings.installRoots) {
      const first = relative(root, path).split(sep)[0];
      if (inside(path, root) && first && first !== '..') return join(root, first);
    }
    return undefined;
  };
  // Per spawn: a path that does not exist (yet) has nothing to hide, and bwrap cannot mount over it inside a
  // read-only bind.
  const hiddenNow = (): { path: string; kind: 'dir' | 'file' }[] =>
    settings.hidden
      .filter((path) => existsSync(path))
      .map((path) => ({ path, kind: isDir(path) ? ('dir' as const) : ('file' as const) }));
  const isHidden = (path: string): boolean => settings.hidden.some((h) => inside(path, h));

  /** Directories a path in a command line needs: its install dir, else its project root; nothing for system paths. */
  const rootsOf = (path: string): { install?: string; code?: string } => {
    if (!isAbsolute(path) || !existsSync(path)) return {};
    const install = installDir(path);
    if (install) return { install };
    if (systemPaths.some((s) => inside(path, s)) || isHidden(path)) return {};
    return { code: projectRoot(path) };
  };
  const rootsOfSpec = (spec: SpawnSpec): { installs: string[]; code: string[] } => {
    const installs = new Set<string>();
    const code = new Set<string>();
    const paths = [spec.command, ...spec.args, ...(spec.cwd ? [spec.cwd] : [])];
    for (const path of paths.flatMap((p) => [p, realPath(p)])) {
      const found = rootsOf(path);
      if (found.install) installs.add(found.install);
      if (found.code) code.add(found.code);
    }
    return { installs: [...installs], code: [...code] };
  };

  const wrap = (
    spec: SpawnSpec,
    binds: Bind[],
    chdir: string,
    options: { network: 'host' | 'none'; limits: SandboxLimits; tmpMb: number },
  ): SpawnSpec => {
    if (settings.host.dropTo) for (const b of binds) assertReachable(b.path, settings.host.dropTo.uid);
    const { command, args } = sandboxCommand({
      command: spec.command,
      args: spec.args,
      host: settings.host,
      binds: dedupe(binds),
      hidden: hiddenNow(),
      chdir,
      network: options.network,
      limits: options.limits,
      tmpMb: options.tmpMb,
      uid: settings.uid,
      gid: settings.gid,
      setenv: { HOME: '/tmp', TMPDIR: '/tmp', TMP: '/tmp', TEMP: '/tmp' },
    });
    // The host side of bwrap starts in a directory that always exists; the process itself gets --chdir.
    return { command, args, env: spec.env, cwd: '/' };
  };

  return {
    server(config, perUser) {
      const limits = { ...settings.serverLimits, ...config?.limits };
      return (spec) => {
        const { installs, code } = rootsOfSpec(spec);
        // A per-user process never writes where another user's process of the same server reads.
        const cwdWritable = !perUser && spec.cwd !== undefined && installDir(spec.cwd) === undefined;
        const binds: Bind[] = [
          ...code.map((path) => ({ path, writable: false })),
          ...installs.map((path) => ({ path, writable: false })),
          ...(spec.cwd && isAbsolute(spec.cwd) && existsSync(spec.cwd)
            ? [{ path: spec.cwd, writable: cwdWritable }]
            : []),
          ...(config?.binds ?? []),
        ];
        const chdir = spec.cwd ?? installs[0] ?? '/tmp';
        return wrap(spec, binds, chdir, {
          network: config?.network ?? 'host',
          limits,
          tmpMb: settings.serverTmpMb,
        });
      };
    },
    installer() {
      return (spec) => {
        const { installs } = rootsOfSpec(spec);
        const binds = installs.map((path) => ({ path, writable: true }));
        const drop = settings.host.dropTo;
        if (drop) for (const dir of installs) handOver(dir, drop.uid, drop.gid);
        // Registries may be on loopback or behind a proxy: installers keep the host's network.
        return wrap(spec, binds, spec.cwd ?? '/tmp', {
          network: 'host',
          limits: settings.installerLimits,
          tmpMb: settings.installerTmpMb,
        });
      };
    },
  };
}

/**
 * The directory a script needs: for a file inside node_modules, the project holding that
 * node_modules (its dependencies are hoisted there); else the nearest enclosing directory that looks
 * like a project (node_modules, package.json, a venv); else the file's own directory.
 */
function projectRoot(path: string): string {
  const hoisted = path.indexOf(`${sep}node_modules${sep}`);
  if (hoisted > 0) return path.slice(0, hoisted);
  const start = isDir(path) ? path : dirname(path);
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (PROJECT_MARKERS.some((m) => existsSync(join(dir, m)))) return dir;
  }
  return start;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function realPath(path: string): string {
  try {
    return isAbsolute(path) ? realpathSync(path) : path;
  } catch {
    return path;
  }
}

/**
 * Makes an install directory writable by the unprivileged host user an installer runs as (the
 * gateway, as root, created it and its marker). Only the top level: everything deeper was written
 * by earlier installer runs as that user already.
 */
function handOver(dir: string, uid: number, gid: number): void {
  const take = (path: string): void => {
    const st = lstatSync(path);
    if (st.uid !== uid && !st.isSymbolicLink()) chownSync(path, uid, gid);
  };
  take(dir);
  for (const name of readdirSync(dir)) take(join(dir, name));
}

/**
 * As root, bwrap runs as the unprivileged sandbox user and must walk to every bind source itself:
 * say which directory stops it instead of letting bwrap fail with a bare "Permission denied".
 */
function assertReachable(path: string, uid: number): void {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    let st;
    try {
      st = statSync(dir);
    } catch {
      return; // missing: bwrap reports that itself
    }
    if (st.uid !== uid && (st.mode & 0o001) === 0) {
      throw new Error(
        `The sandbox cannot reach ${path}: ${dir} is not searchable by uid ${uid} (the gateway runs as root, so ` +
          `sandboxes run as that user); ` +
          'chmod o+x it, move the directory, or run the gateway as a non-root user',
      );
    }
  }
}

/** One bind per path; writable wins (a server's cwd inside its own code root). */
function dedupe(binds: readonly Bind[]): Bind[] {
  const byPath = new Map<string, Bind>();
  for (const b of binds)
    byPath.set(b.path, { path: b.path, writable: b.writable || (byPath.get(b.path)?.writable ?? false) });
  return [...byPath.values()];
}
