import Router from '@koa/router';
import { handleCommand } from '../commands/commandHandler.js';
import { toolPinDecider, type ToolPinCommand } from '../commands/toolPinDecider.js';
import { notFound } from '../errors.js';
import { toolPinStreamId } from '../events/toolPinEvents.js';
import type { ServerView } from '../projections/serversProjection.js';
import { commandMetadata, type AppDeps } from './appDeps.js';
import { serverNameSchema } from './serverSchemas.js';
import { ApproveToolsBody, RejectToolsBody, ToolPinsQuery } from './toolPinSchemas.js';
import { toolPinsResponse } from './toolPinView.js';
import { parseInput } from './validate.js';

/**
 * Tool pinning, admin side (issue 14): what each server's tools are pinned to, which changes are held
 * back with their diff, and approving or rejecting them. Every decision is an event on the server's
 * `toolpins-<serverId>` stream, so GET /events shows both versions of a changed tool.
 */
export function toolPinRoutes(deps: AppDeps): Router {
  const router = new Router();
  const models = () => deps.projector.readModels;
  const view = (raw: string | undefined): ServerView => {
    const name = parseInput(serverNameSchema, raw, 'server name');
    const v = models().servers.get(name);
    if (!v) throw notFound(name);
    return v;
  };
  const pinsOf = (v: ServerView) => toolPinsResponse(v, models().toolPins.get(v.serverId));

  router.get('/mcp/tool-pins', (ctx) => {
    const { serverName } = parseInput(ToolPinsQuery, ctx.query, 'query');
    const views =
      serverName === undefined
        ? [...models().servers.values()].sort((a, b) => a.name.localeCompare(b.name))
        : [view(serverName)];
    ctx.body = { success: true, servers: views.map(pinsOf) };
  });

  const decide = (type: ToolPinCommand['type'], schema: typeof ApproveToolsBody, field: string) =>
    router.post(
      `/mcp/servers/:name/tool-pins/${type === 'ApproveTools' ? 'approve' : 'reject'}`,
      async (ctx) => {
        const v = view(ctx.params.name);
        const body = parseInput(schema, ctx.request.body ?? {}, 'tool pin decision');
        const data = { serverId: v.serverId, serverName: v.name, toolName: body.toolName, hash: body.hash };
        const result = await handleCommand(
          deps.store,
          toolPinStreamId(v.serverId),
          toolPinDecider,
          { type, data } as ToolPinCommand,
          commandMetadata(deps, 'admin', ctx.state.requestId as string),
        );
        await deps.projector.waitFor(result.position);
        const decided = result.events.map((e) => {
          const d = e.data as { toolName: string; hash: string };
          return { toolName: d.toolName, hash: d.hash };
        });
        ctx.body = { success: true, [field]: decided, server: pinsOf(v) };
      },
    );
  decide('ApproveTools', ApproveToolsBody, 'approved');
  decide('RejectTools', RejectToolsBody, 'rejected');

  return router;
}
