import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, sep } from 'node:path';
import { sandboxCommand, type HostLayout } from './bwrapArgs.js';

/**
 * Read-only inside every sandbox: programs, libraries, and the part of /etc that name resolution, TLS and
 * locales need.
 */
export const SYSTEM_PATHS: readonly string[] = Object.freeze([
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/etc/alternatives',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/crypto-policies',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/localtime',
  '/etc/timezone',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/passwd',
  '/etc/group',
  '/etc/mime.types',
  '/etc/os-release',
]);

export interface HostFacts {
  /** SANDBOX_BWRAP, or found on PATH. */
  readonly bwrap?: string | undefined;
  readonly path: string;
  /** process.execPath: its install prefix is bound too when it is outside /usr. */
  readonly nodePath: string;
  /** The gateway's own uid (process.getuid()): as root, sandboxes drop to `sandboxUid` on the host too. */
  readonly uid: number;
  readonly sandboxUid: number;
  readonly sandboxGid: number;
}

export type ProbeResult =
  { readonly ok: true; readonly host: HostLayout } | { readonly ok: false; readonly reason: string };

const HINT =
  'Install bubblewrap (Debian/Ubuntu: apt-get install -y bubblewrap) on a kernel that allows unprivileged user ' +
  'namespaces ' +
  '(sysctl user.max_user_namespaces > 0; kernel.unprivileged_userns_clone=1 on older Debian; on Ubuntu 24.04+ an ' +
  'AppArmor ' +
  'profile for bwrap or kernel.apparmor_restrict_unprivileged_userns=0; in Docker a seccomp profile that allows ' +
  'unshare), ' +
  'or set SANDBOX=off to run servers unsandboxed.';

/** Finds an executable on PATH (what execvp would run). */
export function findExecutable(name: string, path: string): string | undefined {
  const candidates = isAbsolute(name)
    ? [name]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  return candidates.find((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Which system paths exist on this host, which of them are merged-/usr symlinks, and where bwrap and prlimit are. */
export function hostLayout(facts: HostFacts): HostLayout | string {
  const bwrap = findExecutable(facts.bwrap ?? 'bwrap', facts.path);
  if (!bwrap) return `bubblewrap (${facts.bwrap ?? 'bwrap'}) was not found${facts.bwrap ? '' : ' on PATH'}.`;
  const systemBinds: string[] = [];
  const symlinks: { path: string; target: string }[] = [];
  for (const path of SYSTEM_PATHS) {
    if (!existsSync(path)) continue;
    const top = dirname(path) === '/';
    if (top && lstatSync(path).isSymbolicLink()) symlinks.push({ path, target: readlinkSync(path) });
    else systemBinds.push(path);
  }
  const node = realpathSync(facts.nodePath);
  if (!systemBinds.some((dir) => node.startsWith(dir + sep))) systemBinds.push(dirname(dirname(node)));
  const prlimit = findExecutable('prlimit', facts.path);
  if (!prlimit || !systemBinds.some((dir) => realpathSync(prlimit).startsWith(dir + sep))) {
    return 'prlimit (util-linux) was not found in a system directory; the sandbox sets resource limits with it.';
  }
  if (facts.uid !== 0) return { bwrap, prlimit: realpathSync(prlimit), systemBinds, symlinks };
  const setpriv = findExecutable('setpriv', facts.path);
  if (!setpriv)
    return (
      'setpriv (util-linux) was not found; a gateway running as root needs it to start sandboxes as an ' +
      'unprivileged user.'
    );
  return {
    bwrap,
    prlimit: realpathSync(prlimit),
    systemBinds,
    symlinks,
    dropTo: { setpriv, uid: facts.sandboxUid, gid: facts.sandboxGid },
  };
}

/**
 * Checks at start that a sandboxed process really runs here: own namespaces (network too), the
 * node binary reachable, limits applied. Says exactly why not, with bwrap's own message.
 */
export async function probeSandbox(facts: HostFacts, timeoutMs = 10_000): Promise<ProbeResult> {
  const host = hostLayout(facts);
  if (typeof host === 'string') return { ok: false, reason: `${host} ${HINT}` };
  const { command, args } = sandboxCommand({
    command: facts.nodePath,
    args: ['-e', 'process.stdout.write(String(process.pid))'],
    host,
    binds: [],
    hidden: [],
    chdir: '/tmp',
    network: 'none',
    limits: { processes: 64, openFiles: 256 },
    tmpMb: 16,
    uid: facts.sandboxUid,
    gid: facts.sandboxGid,
    setenv: {},
  });
  const run = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(command, args, {
      env: { PATH: facts.path },
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', (e) => (err += e.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
  // In its own PID namespace the first process is pid 2 (bwrap's init is 1): anything else means no namespace.
  if (run.code === 0 && run.out === '2') return { ok: true, host };
  const said =
    run.err.trim().split('\n').slice(-3).join(' ') ||
    `exit code ${String(run.code)}, output "${run.out.slice(0, 100)}"`;
  return { ok: false, reason: `bubblewrap cannot start a sandbox here: ${said}. ${HINT}` };
}
