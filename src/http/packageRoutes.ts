import Router from '@koa/router';
import type { Context } from 'koa';
import { handleCommand } from '../commands/commandHandler.js';
import { packageNotFound } from '../commands/packageDecider.js';
import { serverDecider } from '../commands/serverDecider.js';
import { serverStreamId } from '../events/serverEvents.js';
import { AppError, notFound } from '../errors.js';
import type { PackageView } from '../projections/packagesProjection.js';
import type { InstallRequest, JobOutcome } from '../runtime/packages/installFlow.js';
import type { Job } from '../runtime/packages/packageJobs.js';
import { commandMetadata, type AppDeps } from './appDeps.js';
import { streamJob, wantsEventStream } from './jobStream.js';
import {
  CheckUpdatesQuery,
  InstallPackageBody,
  packageNameParam,
  upgradeVersionProblem,
  UpgradePackageBody,
  type InstallPackageInput,
} from './packageSchemas.js';
import { packageResponse } from './packageView.js';
import { serverNameSchema } from './serverSchemas.js';
import { serverResponse } from './serverView.js';
import { parseInput } from './validate.js';
import { SERVER_HEADER_USER } from '../events/serverEvents.js';
import { AddServerBody } from './serverSchemas.js';
import { transportFromBody } from './serverConfig.js';
import { hasCredentialEnv, sealEnv } from '../crypto/serverEnv.js';

export function packageRoutes(deps: AppDeps): Router {
  const router = new Router();
  const models = () => deps.projector.readModels;
  const pkg = (v: PackageView) =>
    packageResponse(v, models().servers.get(v.serverName), deps.packages.updates.known(v));
  const view = (serverName: string): PackageView => {
    const v = models().packages.get(serverName);
    if (!v) throw packageNotFound(serverName);
    return v;
  };
  const server = (name: string) => {
    const v = models().servers.get(name);
    return v ? serverResponse(v, deps.runtime.snapshot(name)) : undefined;
  };
  const outcome = (serverName: string): Record<string, unknown> => ({
    success: true,
    package: pkg(view(serverName)),
    server: server(serverName) ?? null,
  });
  const nameParam = (raw: string | undefined): string => parseInput(serverNameSchema, raw, 'server name');
  const requestId = (ctx: Context): string => ctx.state.requestId as string;
  const checkFirst = async (ctx: Context, names?: string[]): Promise<void> => {
    const { checkUpdates } = parseInput(CheckUpdatesQuery, ctx.query, 'query');
    if (checkUpdates === 'true' || checkUpdates === '1') await deps.packages.checkUpdates(names);
  };

  /** The README's synchronous answer by default; `Accept: text/event-stream` follows the output instead. */
  const answer = async (ctx: Context, job: Job<JobOutcome>): Promise<void> => {
    if (wantsEventStream(ctx)) return streamJob(ctx, job, () => outcome(job.serverName));
    await job.result;
    ctx.body = outcome(job.serverName);
  };

  router.post('/packages/install', async (ctx) => {
    const body = parseInput(InstallPackageBody, ctx.request.body, 'package install');
    await answer(ctx, await deps.packages.install(await toRequest(body), requestId(ctx)));
  });

  router.get('/packages', async (ctx) => {
    await checkFirst(ctx);
    ctx.body = { success: true, packages: deps.packages.list().map(pkg) };
  });

  router.get('/packages/updates', async (ctx) => {
    const raw = typeof ctx.query.name === 'string' ? ctx.query.name : undefined;
    const name = raw === undefined ? undefined : nameParam(raw);
    if (name !== undefined) view(name);
    ctx.body = {
      success: true,
      updates: await deps.packages.checkUpdates(name === undefined ? undefined : [name]),
    };
  });

  router.put('/packages/upgrade-all', async (ctx) => {
    const results = await deps.packages.upgradeAll(requestId(ctx));
    const failed = results.filter((r) => !r.success).length;
    if (failed > 0)
      throw new AppError('package_install_failed', `${failed} of ${results.length} package upgrades failed`, {
        results,
      });
    ctx.body = { success: true, results };
  });

  const byName = async (ctx: Context, name: string): Promise<void> => {
    const packageName = parseInput(packageNameParam, name, 'package name');
    const match = deps.packages
      .list()
      .find((v) => v.spec.name === packageName || v.spec.name.toLowerCase() === packageName.toLowerCase());
    if (!match) throw new AppError('package_not_found', `No installed package is named ${packageName}`);
    await checkFirst(ctx, [match.serverName]);
    ctx.body = { success: true, package: pkg(view(match.serverName)) };
  };
  router.get('/packages/by-name/:name', (ctx) => byName(ctx, ctx.params.name ?? ''));
  router.get('/packages/by-name/:scope/:name', (ctx) =>
    byName(ctx, `${ctx.params.scope ?? ''}/${ctx.params.name ?? ''}`),
  );

  router.get('/packages/by-id/:name', async (ctx) => {
    const name = nameParam(ctx.params.name);
    view(name);
    await checkFirst(ctx, [name]);
    ctx.body = { success: true, package: pkg(view(name)) };
  });

  router.get('/packages/:name/log', (ctx) => {
    const name = nameParam(ctx.params.name);
    const job = deps.packages.job(name);
    if (!job)
      throw new AppError(
        'package_not_found',
        `No install, upgrade or uninstall has run for server ${name} since the gateway started`,
        { serverName: name },
      );
    const summary = () => ({
      success: true,
      serverName: name,
      job: {
        id: job.id,
        kind: job.kind,
        status: job.status,
        startedAt: job.startedAt.toISOString(),
        ...(job.finishedAt ? { finishedAt: job.finishedAt.toISOString() } : {}),
        ...(job.error ? { error: job.error.message } : {}),
      },
    });
    if (wantsEventStream(ctx)) return streamJob(ctx, job, summary);
    ctx.body = { ...summary(), lines: job.lines };
  });

  router.put('/packages/:name/upgrade', async (ctx) => {
    const name = nameParam(ctx.params.name);
    const { version } = parseInput(UpgradePackageBody, ctx.request.body ?? {}, 'upgrade');
    const current = view(name);
    const problem = version === undefined ? undefined : upgradeVersionProblem(current.spec.runtime, version);
    if (problem)
      throw new AppError('invalid_request', `Invalid upgrade: version: ${problem}`, {
        problems: [`version: ${problem}`],
      });
    await answer(ctx, await deps.packages.upgrade(name, version, requestId(ctx)));
  });

  for (const action of ['enable', 'disable'] as const) {
    router.put(`/packages/:name/${action}`, async (ctx) => {
      const name = nameParam(ctx.params.name);
      view(name);
      if (!models().servers.has(name)) throw notFound(name);
      const command = {
        type: action === 'enable' ? ('EnableServer' as const) : ('DisableServer' as const),
        data: { name },
      };
      const result = await handleCommand(
        deps.store,
        serverStreamId(name),
        serverDecider,
        command,
        commandMetadata(deps, 'admin', requestId(ctx)),
      );
      await deps.projector.waitFor(result.position);
      ctx.body = { success: true, server: server(name) };
    });
  }

  router.delete('/packages/:name', async (ctx) => {
    const name = nameParam(ctx.params.name);
    const job = await deps.packages.uninstall(name, requestId(ctx));
    await job.result;
    ctx.body = { success: true };
  });

  /** A streamable_http install registers the remote server, validated and sealed like POST /mcp/servers. */
  async function toRequest(body: InstallPackageInput): Promise<InstallRequest> {
    const { transportType, url, headers, reconnectionOptions, ...request } = body;
    if (transportType !== 'stdio' || hasCredentialEnv(request.env))
      await deps.secretBox.prepare(SERVER_HEADER_USER);
    if (transportType === 'stdio') {
      // Credential-looking env values are sealed before they reach any event.
      const { env, sealedEnv } = sealEnv(request.env, request.serverName, deps.secretBox);
      return { ...request, env, sealedEnv };
    }
    const server = parseInput(
      AddServerBody,
      { name: body.serverName, transportType, url, headers, reconnectionOptions },
      'remote server',
    );
    const remote = transportFromBody(server, deps.secretBox, deps.urlPolicy);
    return remote.transportType === 'streamable_http' ? { ...request, remote } : request;
  }

  return router;
}
