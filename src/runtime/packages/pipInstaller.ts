import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../errors.js';
import type { Entry, PackageSpec } from '../../events/packageEvents.js';
import { buildInstallerEnv } from './installerEnv.js';
import { assertPlainArg, checkRun } from './installerErrors.js';
import type { JobIO } from './npmInstaller.js';
import {
  isPep440Version,
  pipRequirementProblem,
  pipVersionProblem,
  pypiNameProblem,
  pythonModuleProblem,
} from '../../packages/validation.js';
import type { RunProcess } from './processRunner.js';
import { newestVersion, parseSimplePage, projectUrl } from './simpleIndex.js';
import { comparePep440 } from './versions.js';

export interface PipSettings {
  readonly pythonBin: string;
  /** Defaults when the package record has none (PIP_INDEX_URL / PIP_EXTRA_INDEX_URL). */
  readonly indexUrl?: string;
  readonly extraIndexUrl?: string;
  readonly parentEnv: NodeJS.ProcessEnv;
  readonly run: RunProcess;
  readonly installTimeoutMs: number;
  readonly checkTimeoutMs: number;
  readonly fetch?: typeof fetch;
}

const PYPI = 'https://pypi.org/simple/';
const VERSION_SCRIPT = 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))';
const MODULE_SCRIPT = 'import importlib.util as u, sys; sys.exit(0 if u.find_spec(sys.argv[1]) else 3)';

/** A virtual environment per server; pip runs inside it, with the package's own index URLs. */
export class PipInstaller {
  constructor(private readonly settings: PipSettings) {}

  env(): Record<string, string> {
    return buildInstallerEnv(this.settings.parentEnv, {
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      PIP_NO_INPUT: '1',
      PYTHONDONTWRITEBYTECODE: '1',
    });
  }

  python(venv: string): string {
    return join(venv, 'bin', 'python');
  }

  /** `<PYTHON_BIN> -m venv <dir>` unless the venv already has its interpreter. */
  async ensureVenv(venv: string, io: JobIO): Promise<void> {
    if (
      await stat(this.python(venv)).then(
        () => true,
        () => false,
      )
    )
      return;
    io.log(`$ ${this.settings.pythonBin} -m venv ${venv}`);
    const result = await this.run(this.settings.pythonBin, ['-m', 'venv', venv], io);
    checkRun('python -m venv', result, this.settings.installTimeoutMs);
  }

  /** pip install [--upgrade] <name[==version]> ...dependencies, with the index URLs of the record (or the defaults). */
  async install(
    venv: string,
    spec: PackageSpec,
    version: string | undefined,
    upgrade: boolean,
    io: JobIO,
  ): Promise<void> {
    if (pypiNameProblem(spec.name) || (version !== undefined && pipVersionProblem(version)))
      throw new AppError('invalid_request', 'Invalid PyPI name or version');
    for (const dep of spec.pipDependencies ?? [])
      if (pipRequirementProblem(dep)) throw new AppError('invalid_request', 'Invalid pip dependency');
    const requirement =
      version === undefined
        ? spec.name
        : isPep440Version(version)
          ? `${spec.name}==${version}`
          : `${spec.name}${version}`;
    const args = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input'];
    if (upgrade) args.push('--upgrade');
    const { index, extra } = this.indexes(spec);
    if (index) args.push('--index-url', index);
    if (extra) args.push('--extra-index-url', extra);
    for (const req of [requirement, ...(spec.pipDependencies ?? [])]) {
      assertPlainArg(req, 'a requirement');
      args.push(req);
    }
    io.log(`$ python ${args.join(' ')}`);
    checkRun('pip install', await this.run(this.python(venv), args, io), this.settings.installTimeoutMs);
  }

  async installedVersion(venv: string, name: string, io: JobIO): Promise<string> {
    assertPlainArg(name, 'the package name');
    const result = await this.run(this.python(venv), ['-c', VERSION_SCRIPT, name], io);
    const version = result.tail[result.tail.length - 1]?.trim();
    if (result.code !== 0 || !version)
      throw new AppError('package_install_failed', `${name} is not installed in its virtual environment`);
    return version;
  }

  /** Refuses an install whose package does not provide the module it is supposed to run. */
  async checkModule(venv: string, module: string, io: JobIO): Promise<void> {
    if (pythonModuleProblem(module)) throw new AppError('invalid_request', 'Invalid Python module name');
    const result = await this.run(this.python(venv), ['-c', MODULE_SCRIPT, module], io);
    if (result.code !== 0)
      throw new AppError('package_install_failed', `The installed package provides no module ${module}`);
  }

  entry(venv: string, module: string, pythonArgs: readonly string[]): Entry {
    return { command: this.python(venv), args: ['-u', '-m', module, ...pythonArgs] };
  }

  /** The newest release on the package's indexes (its own URLs, else the defaults, else PyPI). */
  async latest(spec: PackageSpec, current?: string): Promise<string> {
    const { index, extra } = this.indexes(spec);
    const urls = [index ?? PYPI, ...(extra ? [extra] : [])];
    const found = await Promise.all(urls.map((url) => this.fetchNewest(url, spec.name, current)));
    const versions = found.filter((v): v is string => v !== undefined);
    const best = versions.reduce<string | undefined>(
      (a, v) => (a === undefined || (comparePep440(v, a) ?? 0) > 0 ? v : a),
      undefined,
    );
    if (best === undefined)
      throw new AppError('upstream_error', `No release of ${spec.name} was found on its package index`);
    return best;
  }

  private indexes(spec: PackageSpec): { index?: string; extra?: string } {
    const index = spec.pipIndexUrl ?? this.settings.indexUrl;
    const extra = spec.pipExtraIndexUrl ?? this.settings.extraIndexUrl;
    return { ...(index ? { index } : {}), ...(extra ? { extra } : {}) };
  }

  private async fetchNewest(indexUrl: string, name: string, current?: string): Promise<string | undefined> {
    const url = projectUrl(indexUrl, name);
    const doFetch = this.settings.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(url, {
        headers: { accept: 'application/vnd.pypi.simple.v1+json, text/html;q=0.1' },
        signal: AbortSignal.timeout(this.settings.checkTimeoutMs),
        redirect: 'follow',
      });
    } catch (e) {
      const timedOut = e instanceof Error && e.name === 'TimeoutError';
      throw new AppError(
        timedOut ? 'upstream_timeout' : 'upstream_error',
        `The package index ${new URL(url).host} ${timedOut ? 'did not answer in time' : 'could not be reached'}`,
      );
    }
    if (res.status === 404) return undefined;
    if (!res.ok)
      throw new AppError('upstream_error', `The package index ${new URL(url).host} answered ${res.status}`);
    const body = await res.text();
    try {
      return newestVersion(parseSimplePage(body, res.headers.get('content-type') ?? ''), name, current);
    } catch {
      throw new AppError(
        'upstream_error',
        `The package index ${new URL(url).host} sent a page that is not a simple index`,
      );
    }
  }

  private run(command: string, args: string[], io: JobIO): ReturnType<RunProcess> {
    return this.settings.run({
      command,
      args,
      env: this.env(),
      timeoutMs: this.settings.installTimeoutMs,
      signal: io.signal,
      onLine: io.log,
    });
  }
}
