import * as z from 'zod';
import {
  indexUrlProblem,
  npmNameProblem,
  npmVersionProblem,
  pipRequirementProblem,
  pipVersionProblem,
  pypiNameProblem,
  pythonModuleProblem,
  type Problem,
} from '../packages/validation.js';
import { SECRET_NAME } from '../events/secretEvents.js';
import { serverNameSchema } from './serverSchemas.js';

const timeoutMs = z.number().int().min(100).max(3_600_000);
const noNul = (s: string): boolean => !s.includes('\0');
const argv = z.array(z.string().max(32_768).refine(noNul, 'must not contain NUL characters')).max(256);
const envMap = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names are letters, digits and _'),
  z.string().max(32_768).refine(noNul, 'must not contain NUL characters'),
);

/**
 * POST /packages/install, the reference README's body. Unknown keys (catalog metadata such as
 * displayName, homepageUrl) are accepted and ignored. Names, versions and URLs are checked by the
 * pure validators for the chosen runtime before anything runs.
 */
export const InstallPackageBody = z
  .object({
    name: z.string().max(1000),
    version: z.string().max(1000).optional(),
    serverName: serverNameSchema,
    transportType: z
      .enum(['stdio', 'streamable_http'], { message: 'transportType must be "stdio" or "streamable_http"' })
      .default('stdio'),
    runtime: z.enum(['node', 'python'], { message: 'runtime must be "node" or "python"' }).default('node'),
    command: z.string().min(1).max(4096).refine(noNul, 'must not contain NUL characters').optional(),
    args: argv.default([]),
    env: envMap.default({}),
    enabled: z.boolean().default(true),
    secretNames: z.array(z.string().regex(SECRET_NAME)).max(256).optional(),
    /** "env": one process per user with that user's secrets in its environment (see README). */
    secretDelivery: z
      .enum(['args', 'env'], { message: 'secretDelivery must be "args" or "env"' })
      .default('args'),
    timeout: timeoutMs.optional(),
    startupTimeout: timeoutMs.optional(),
    allowScripts: z.boolean().default(false),
    failOnWarning: z.boolean().default(false),
    pythonModule: z.string().max(1000).optional(),
    pythonArgs: argv.default([]),
    pipIndexUrl: z.string().max(4096).optional(),
    pipExtraIndexUrl: z.string().max(4096).optional(),
    pipDependencies: z.array(z.string().max(1000)).max(32).optional(),
    // streamable_http: the remote server this package fronts (checked again by AddServerBody).
    url: z.string().max(4096).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    reconnectionOptions: z.record(z.string(), z.number()).optional(),
  })
  .superRefine((body, ctx) => {
    const report = (path: string, problem: Problem): void => {
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [path], message: problem });
    };
    if (body.runtime === 'node' && body.transportType !== 'stdio' && body.url === undefined)
      report('url', 'is required for a remote (Streamable HTTP) server');
    if (body.transportType === 'stdio') {
      for (const key of ['url', 'headers', 'reconnectionOptions'] as const)
        if (body[key] !== undefined) report(key, 'is only for a remote (Streamable HTTP) server');
    }
    if (body.transportType !== 'stdio' && body.secretDelivery === 'env')
      report('secretDelivery', '"env" needs a stdio server (one process per user)');
    if (body.runtime === 'node') {
      report('name', npmNameProblem(body.name));
      if (body.version !== undefined) report('version', npmVersionProblem(body.version));
      for (const key of ['pythonModule', 'pipIndexUrl', 'pipExtraIndexUrl', 'pipDependencies'] as const) {
        if (body[key] !== undefined) report(key, 'is only for runtime "python"');
      }
      return;
    }
    report('name', pypiNameProblem(body.name));
    if (body.version !== undefined) report('version', pipVersionProblem(body.version));
    if (body.transportType !== 'stdio') report('transportType', 'must be "stdio" for runtime "python"');
    if (body.pythonModule === undefined) report('pythonModule', 'is required for runtime "python"');
    else report('pythonModule', pythonModuleProblem(body.pythonModule));
    if (body.pipIndexUrl !== undefined) report('pipIndexUrl', indexUrlProblem(body.pipIndexUrl));
    if (body.pipExtraIndexUrl !== undefined)
      report('pipExtraIndexUrl', indexUrlProblem(body.pipExtraIndexUrl));
    body.pipDependencies?.forEach((dep, i) => {
      const problem = pipRequirementProblem(dep);
      if (problem) ctx.addIssue({ code: 'custom', path: ['pipDependencies', i], message: problem });
    });
    if (body.allowScripts) report('allowScripts', 'is only for runtime "node"');
  });
export type InstallPackageInput = z.infer<typeof InstallPackageBody>;

export const UpgradePackageBody = z.object({ version: z.string().max(1000).optional() });

/** The version of an upgrade, checked by the rules of the package's runtime. */
export const upgradeVersionProblem = (runtime: 'node' | 'python', version: string): Problem =>
  runtime === 'node' ? npmVersionProblem(version) : pipVersionProblem(version);

/** `:name` of /packages/by-name: an npm or PyPI name (looked up, never run). */
export const packageNameParam = z
  .string()
  .min(1)
  .max(214)
  .regex(/^[@A-Za-z0-9._~/-]+$/, 'must be a package name');

export const CheckUpdatesQuery = z.object({ checkUpdates: z.enum(['true', 'false', '1', '0']).optional() });
