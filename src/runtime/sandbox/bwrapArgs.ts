import { posix } from 'node:path';

/** Per-process resource limits, applied with prlimit inside the sandbox; absent means no limit. */
export interface SandboxLimits {
  /** RLIMIT_DATA in MiB: heap and other private writable memory (address-space reservations do not count). */
  readonly memoryMb?: number | undefined;
  /** RLIMIT_NPROC: processes and threads, counted inside the sandbox's own user namespace. */
  readonly processes?: number | undefined;
  /** RLIMIT_NOFILE: open file descriptors. */
  readonly openFiles?: number | undefined;
  /** RLIMIT_CPU in seconds of CPU time over the process's life (SIGKILL when reached). */
  readonly cpuSeconds?: number | undefined;
}

export interface Bind {
  readonly path: string;
  readonly writable: boolean;
}

/** What the host looks like, learned once at start (see probe.ts): it never changes per spawn. */
export interface HostLayout {
  readonly bwrap: string;
  /** Absolute path of prlimit on the host, inside a bound system directory. */
  readonly prlimit: string;
  /** Existing system directories bound read-only (/usr, /etc/ssl, the node binary's prefix...). */
  readonly systemBinds: readonly string[];
  /** Merged-/usr symlinks recreated inside (/bin → usr/bin...). */
  readonly symlinks: readonly { readonly path: string; readonly target: string }[];
  /**
   * Set when the gateway runs as root: bwrap is started through setpriv as this unprivileged host
   * user. Mapped to root, a sandbox would be exempt from RLIMIT_NPROC (the kernel never counts
   * root's processes), so a fork bomb would not stop.
   */
  readonly dropTo?: { readonly setpriv: string; readonly uid: number; readonly gid: number } | undefined;
}

/** Everything one sandboxed process needs; the builder adds nothing the caller did not decide. */
export interface SandboxSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly host: HostLayout;
  /** The server's own directories (code read-only; its working or install directory writable). */
  readonly binds: readonly Bind[];
  /** Paths that must stay invisible even inside a bound directory (DATA_DIR, install roots, key files). */
  readonly hidden: readonly { readonly path: string; readonly kind: 'dir' | 'file' }[];
  readonly chdir: string;
  readonly network: 'host' | 'none';
  readonly limits: SandboxLimits;
  /** Size of the private /tmp (a tmpfs: it counts against the host's memory). */
  readonly tmpMb: number;
  readonly uid: number;
  readonly gid: number;
  /** Set inside the sandbox, over the spawn environment (HOME and TMPDIR point into the private /tmp). */
  readonly setenv: Readonly<Record<string, string>>;
}

const MIB = 1024 * 1024;

const isInside = (path: string, dir: string): boolean =>
  path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
const depth = (path: string): number => path.split('/').filter(Boolean).length;
const byDepth = <T extends { path: string }>(items: readonly T[]): T[] =>
  [...items].sort((a, b) => depth(a.path) - depth(b.path) || a.path.localeCompare(b.path));

/** prlimit's options for the limits that are set; empty when none is. */
export function prlimitArgs(limits: SandboxLimits): string[] {
  const args: string[] = [];
  if (limits.memoryMb !== undefined) args.push(`--data=${limits.memoryMb * MIB}`);
  if (limits.processes !== undefined) args.push(`--nproc=${limits.processes}`);
  if (limits.openFiles !== undefined) args.push(`--nofile=${limits.openFiles}`);
  if (limits.cpuSeconds !== undefined) args.push(`--cpu=${limits.cpuSeconds}`);
  if (args.length > 0) args.push('--core=0');
  return args;
}

/**
 * The bwrap argv (without the bwrap binary itself) that runs `command args` in a sandbox:
 * new user, PID, IPC, UTS and cgroup namespaces (network too for `none`), no capabilities, the
 * system read-only, a private size-limited /tmp, the given binds, hidden paths masked, killed
 * with its parent. Mount order matters to bwrap: binds outside hidden paths first, then the
 * masks, then binds inside hidden paths (a server's own install directory under the install root).
 */
export function bwrapArgs(spec: SandboxSpec): string[] {
  const args: string[] = [
    '--die-with-parent',
    '--new-session',
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
  ];
  args.push(
    '--unshare-cgroup-try',
    '--cap-drop',
    'ALL',
    '--uid',
    String(spec.uid),
    '--gid',
    String(spec.gid),
    '--hostname',
    'sandbox',
  );
  if (spec.network === 'none') args.push('--unshare-net');
  for (const dir of spec.host.systemBinds) args.push('--ro-bind', dir, dir);
  for (const link of spec.host.symlinks) args.push('--symlink', link.target, link.path);
  args.push('--proc', '/proc', '--dev', '/dev', '--size', String(spec.tmpMb * MIB), '--tmpfs', '/tmp');
  const mounted = [...spec.host.systemBinds, ...spec.binds.map((b) => b.path)];
  const masks = byDepth(spec.hidden.filter((h) => mounted.some((m) => isInside(h.path, m) && h.path !== m)));
  const underMask = (b: Bind): boolean => masks.some((m) => isInside(b.path, m.path));
  const bind = (b: Bind): void => void args.push(b.writable ? '--bind' : '--ro-bind', b.path, b.path);
  byDepth(spec.binds.filter((b) => !underMask(b))).forEach(bind);
  for (const mask of masks) {
    if (mask.kind === 'file') args.push('--ro-bind', '/dev/null', mask.path);
    else args.push('--tmpfs', mask.path, '--remount-ro', mask.path);
  }
  byDepth(spec.binds.filter(underMask)).forEach(bind);
  for (const [name, value] of Object.entries(spec.setenv)) args.push('--setenv', name, value);
  args.push('--chdir', posix.normalize(spec.chdir));
  const limits = prlimitArgs(spec.limits);
  args.push('--');
  if (limits.length > 0) args.push(spec.host.prlimit, ...limits, '--');
  args.push(spec.command, ...spec.args);
  return args;
}

/** The whole command line: bwrap, or setpriv dropping to an unprivileged host user first. */
export function sandboxCommand(spec: SandboxSpec): { command: string; args: string[] } {
  const args = bwrapArgs(spec);
  const drop = spec.host.dropTo;
  if (!drop) return { command: spec.host.bwrap, args };
  return {
    command: drop.setpriv,
    args: [`--reuid=${drop.uid}`, `--regid=${drop.gid}`, '--clear-groups', '--', spec.host.bwrap, ...args],
  };
}
