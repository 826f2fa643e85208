import { readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { AppError } from '../../errors.js';
import type { Entry, PackageSpec } from '../../events/packageEvents.js';
import { assertNodeEngine } from './engineCheck.js';
import { buildInstallerEnv } from './installerEnv.js';
import { assertPlainArg, checkRun } from './installerErrors.js';
import { isDistTag, npmNameProblem, npmVersionProblem } from '../../packages/validation.js';
import type { RunProcess } from './processRunner.js';

export interface NpmSettings {
  readonly npmBin: string;
  /** Registry for installs and update checks; unset: npm's own configuration. */
  readonly registry?: string;
  readonly parentEnv: NodeJS.ProcessEnv;
  readonly run: RunProcess;
  readonly installTimeoutMs: number;
  readonly checkTimeoutMs: number;
  /** The Node version installed packages must accept in engines.node (default: the gateway's own). */
  readonly nodeVersion?: string;
}

export interface JobIO {
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

interface Manifest {
  version?: unknown;
  engines?: unknown;
  bin?: unknown;
  main?: unknown;
}

/** npm installs into one prefix per server; the command comes from the package's bin (or main). */
export class NpmInstaller {
  constructor(private readonly settings: NpmSettings) {}

  /** Allow-listed env plus npm's own switches; never the gateway's secrets. */
  env(): Record<string, string> {
    return buildInstallerEnv(this.settings.parentEnv, {
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      npm_config_progress: 'false',
      ...(this.settings.registry ? { npm_config_registry: this.settings.registry } : {}),
    });
  }

  /**
   * `npm install <name>@<version|latest>` into `dir` (created by InstallRoots), lifecycle scripts off unless
   * allowed.
   */
  async install(
    dir: string,
    spec: PackageSpec,
    version: string | undefined,
    io: JobIO,
    failOnWarning = false,
  ): Promise<void> {
    const target = version ?? 'latest';
    if (npmNameProblem(spec.name) || npmVersionProblem(target))
      throw new AppError('invalid_request', 'Invalid npm package name or version');
    assertPlainArg(spec.name, 'the package name');
    assertPlainArg(target, 'the version');
    const manifest = join(dir, 'package.json');
    if (!(await exists(manifest)))
      await writeFile(manifest, JSON.stringify({ name: 'mcp-api-install', private: true }, null, 2) + '\n');
    const args = [
      'install',
      `${spec.name}@${target}`,
      '--prefix',
      dir,
      '--save-exact',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
    ];
    if (!spec.allowScripts) args.push('--ignore-scripts');
    const warnings: string[] = [];
    const log = (line: string): void => {
      if (/^npm warn/i.test(line)) warnings.push(line);
      io.log(line);
    };
    io.log(`$ npm ${args.join(' ')}`);
    const result = await this.settings.run({
      command: this.settings.npmBin,
      args,
      env: this.env(),
      cwd: dir,
      timeoutMs: this.settings.installTimeoutMs,
      signal: io.signal,
      onLine: log,
    });
    checkRun('npm install', result, this.settings.installTimeoutMs);
    if (failOnWarning && warnings.length > 0)
      throw new AppError(
        'package_install_failed',
        `npm install printed warnings (failOnWarning): ${warnings.slice(-5).join('\n')}`,
      );
  }

  async installedVersion(dir: string, name: string): Promise<string> {
    const version = (await this.manifest(dir, name)).version;
    if (typeof version !== 'string' || version.length === 0)
      throw new AppError('package_install_failed', `${name} has no version in its package.json`);
    return version;
  }

  /** Refuses (422) an installed package whose engines.node excludes the gateway's Node. */
  async assertEngines(dir: string, name: string): Promise<void> {
    const manifest = await this.manifest(dir, name);
    const node = this.settings.nodeVersion ?? process.versions.node;
    assertNodeEngine(name, String(manifest.version), manifest.engines, node);
  }

  /**
   * `node <bin> ...args` from the installed package: its bin (the one named like the package, or
   * the only/first one), else main, else index.js. The target must stay inside the package.
   */
  async entry(dir: string, name: string, userArgs: readonly string[]): Promise<Entry> {
    const pkgDir = this.packageDir(dir, name);
    const manifest = await this.manifest(dir, name);
    const target =
      binTarget(manifest.bin, name) ?? (typeof manifest.main === 'string' ? manifest.main : 'index.js');
    const path = resolve(pkgDir, target);
    if (!path.startsWith(pkgDir + sep))
      throw new AppError(
        'package_install_failed',
        `${name} declares an entry point outside its own directory`,
      );
    if (!(await isFile(path)))
      throw new AppError('package_install_failed', `${name} has no runnable entry point (bin or main)`);
    if (await runsWithNode(path)) return { command: 'node', args: [path, ...userArgs] };
    return { command: path, args: [...userArgs] };
  }

  /** The version the registry's dist-tag points at: the requested tag if the install used one, else `latest`. */
  async latest(spec: PackageSpec): Promise<string> {
    if (npmNameProblem(spec.name)) throw new AppError('invalid_request', 'Invalid npm package name');
    const tag =
      spec.requestedVersion !== undefined && isDistTag(spec.requestedVersion)
        ? spec.requestedVersion
        : 'latest';
    const lines: string[] = [];
    const result = await this.settings.run({
      command: this.settings.npmBin,
      args: ['view', spec.name, 'dist-tags', '--json'],
      env: this.env(),
      timeoutMs: this.settings.checkTimeoutMs,
      onLine: (line) => lines.push(line),
    });
    if (result.timedOut)
      throw new AppError(
        'upstream_timeout',
        `npm view ${spec.name} did not answer within ${this.settings.checkTimeoutMs} ms`,
      );
    if (result.code !== 0)
      throw new AppError(
        'upstream_error',
        `npm view ${spec.name} failed: ${result.tail.slice(-3).join(' ').trim()}`,
      );
    const json = lines.filter((l) => !/^npm (warn|notice)/i.test(l)).join('\n');
    let tags: Record<string, unknown>;
    try {
      tags = JSON.parse(json) as Record<string, unknown>;
    } catch {
      throw new AppError('upstream_error', `npm view ${spec.name} returned no dist-tags`);
    }
    const version = tags[tag] ?? tags.latest;
    if (typeof version !== 'string')
      throw new AppError('upstream_error', `${spec.name} has no "${tag}" dist-tag`);
    return version;
  }

  private packageDir(dir: string, name: string): string {
    if (npmNameProblem(name)) throw new AppError('invalid_request', 'Invalid npm package name');
    return join(dir, 'node_modules', name);
  }

  private async manifest(dir: string, name: string): Promise<Manifest> {
    try {
      return JSON.parse(await readFile(join(this.packageDir(dir, name), 'package.json'), 'utf8')) as Manifest;
    } catch {
      throw new AppError(
        'package_install_failed',
        `${name} was not found in its install directory after npm install`,
      );
    }
  }
}

function binTarget(bin: unknown, name: string): string | undefined {
  if (typeof bin === 'string') return bin;
  if (!bin || typeof bin !== 'object') return undefined;
  const entries = Object.entries(bin as Record<string, unknown>).filter(
    (e): e is [string, string] => typeof e[1] === 'string',
  );
  const bare = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  return (entries.find(([k]) => k === bare) ?? entries.find(([k]) => k === name) ?? entries[0])?.[1];
}

/** JavaScript files and node shebangs run with node (as npm's shims do); anything else runs as itself. */
async function runsWithNode(path: string): Promise<boolean> {
  if (['.js', '.mjs', '.cjs'].includes(extname(path))) return true;
  const head = (await readFile(path)).subarray(0, 128).toString('utf8');
  return !head.startsWith('#!') || /\bnode\b/.test(head.split('\n')[0] ?? '');
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );
const isFile = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
