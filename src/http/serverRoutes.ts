import { SERVER_HEADER_USER } from '../events/serverEvents.js';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { ServerSnapshot } from '../runtime/core/types.js';
import { handleCommand } from '../commands/commandHandler.js';
import { serverDecider, type ServerCommand } from '../commands/serverDecider.js';
import { notFound } from '../errors.js';
import { serverStreamId } from '../events/serverEvents.js';
import type { ServerView } from '../projections/serversProjection.js';
import { commandMetadata, type AppDeps } from './appDeps.js';
import { isAdmin, principalOf } from './principal.js';
import { AddServerBody, serverNameSchema, UpdateServerBody } from './serverSchemas.js';
import { patchFromBody, transportFromBody } from './serverConfig.js';
import { serverResponse } from './serverView.js';
import { parseInput } from './validate.js';

export function serverRoutes(deps: AppDeps): Router {
  const router = new Router();
  const servers = () => deps.projector.readModels.servers;
  const view = (name: string): ServerView => {
    const v = servers().get(name);
    if (!v) throw notFound(name);
    return v;
  };
  const respond = (name: string) => serverResponse(view(name), deps.runtime.snapshot(name));

  /** Runs a command on the server's stream and waits until the read models include it. */
  const run = async (name: string, command: ServerCommand, requestId: string): Promise<void> => {
    const result = await handleCommand(
      deps.store,
      serverStreamId(name),
      serverDecider,
      command,
      commandMetadata(deps, 'admin', requestId),
    );
    await deps.projector.waitFor(result.position);
  };
  const nameParam = (raw: string | undefined): string => parseInput(serverNameSchema, raw, 'server name');

  /** A user token sees only the tools the access policy lets its user use; the admin sees every tool. */
  const snapshotFor = (ctx: Context, name: string): ServerSnapshot | undefined => {
    const snapshot = deps.runtime.snapshot(name);
    const principal = principalOf(ctx);
    if (!snapshot || principal?.kind !== 'user') return snapshot;
    return {
      ...snapshot,
      toolsList: deps.access.filter(principal.username, name, 'tool', snapshot.toolsList),
    };
  };

  router.get('/mcp/servers', (ctx) => {
    const list = [...servers().values()].sort((a, b) => a.name.localeCompare(b.name));
    const admin = isAdmin(principalOf(ctx));
    ctx.body = {
      success: true,
      servers: list.map((v) => serverResponse(v, snapshotFor(ctx, v.name), admin)),
    };
  });

  router.get('/mcp/servers/:name', (ctx) => {
    const name = nameParam(ctx.params.name);
    ctx.body = {
      success: true,
      server: serverResponse(view(name), snapshotFor(ctx, name), isAdmin(principalOf(ctx))),
    };
  });

  router.post('/mcp/servers', async (ctx) => {
    const body = parseInput(AddServerBody, ctx.request.body, 'server');
    // Credential headers of a remote server are sealed for this server-level user.
    if (body.transportType === 'streamable_http') await deps.secretBox.prepare(SERVER_HEADER_USER);
    const config = {
      transport: transportFromBody(body, deps.secretBox, deps.urlPolicy),
      ...(body.secretNames ? { secretNames: body.secretNames } : {}),
      timeout: body.timeout ?? deps.defaults.timeout,
      startupTimeout: body.startupTimeout ?? deps.defaults.startupTimeout,
      ...(body.secretDelivery === 'env' ? { secretDelivery: 'env' as const } : {}),
      ...(body.sandbox ? { sandbox: body.sandbox } : {}),
      ...(body.allowUnsafeEnvNames ? { allowUnsafeEnvNames: body.allowUnsafeEnvNames } : {}),
      ...(body.toolApproval === 'auto' ? { toolApproval: 'auto' as const } : {}),
    };
    const data = { serverId: deps.newId(), name: body.name, config, enabled: body.enabled };
    await run(body.name, { type: 'RegisterServer', data }, ctx.state.requestId as string);
    ctx.body = { success: true, server: respond(body.name) };
  });

  router.put('/mcp/servers/:name', async (ctx) => {
    const name = nameParam(ctx.params.name);
    const body = parseInput(UpdateServerBody, ctx.request.body ?? {}, 'server update');
    if (body.headers !== undefined) await deps.secretBox.prepare(SERVER_HEADER_USER);
    const patch = patchFromBody(name, body, view(name).config.transport, deps.secretBox, deps.urlPolicy);
    await run(name, { type: 'UpdateServer', data: { name, patch } }, ctx.state.requestId as string);
    ctx.body = { success: true, server: respond(name) };
  });

  router.put('/mcp/servers/:name/enable', async (ctx) => {
    const name = nameParam(ctx.params.name);
    await run(name, { type: 'EnableServer', data: { name } }, ctx.state.requestId as string);
    ctx.body = { success: true, server: respond(name) };
  });

  router.put('/mcp/servers/:name/disable', async (ctx) => {
    const name = nameParam(ctx.params.name);
    await run(name, { type: 'DisableServer', data: { name } }, ctx.state.requestId as string);
    ctx.body = { success: true, server: respond(name) };
  });

  router.delete('/mcp/servers/:name', async (ctx) => {
    const name = nameParam(ctx.params.name);
    await run(name, { type: 'RemoveServer', data: { name } }, ctx.state.requestId as string);
    ctx.body = { success: true };
  });

  return router;
}
