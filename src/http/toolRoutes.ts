import Router from '@koa/router';
import { AppError, isAppError } from '../errors.js';
import type { AppDeps } from './appDeps.js';
import { callerOf } from './callerInfo.js';
import { connectionSignals } from './clientAbort.js';
import { googleLoginUrl } from './googleLogin.js';
import { takeToolCall } from './toolCallLimit.js';
import { actingUsername, principalOf } from './principal.js';
import { ToolCallBody, usernameSchema } from './serverSchemas.js';
import * as z from 'zod';

const ToolListQuery = z.object({ username: usernameSchema.optional() });
import { parseInput } from './validate.js';

export function toolRoutes(deps: AppDeps): Router {
  const router = new Router();
  const clientSignal = connectionSignals();

  router.get('/mcp/tools', (ctx) => {
    // Filtered for the acting user by the access policy (an admin may name one with ?username=).
    const { username: requested } = parseInput(ToolListQuery, ctx.query, 'query');
    const username = actingUsername(principalOf(ctx), requested);
    const tools = [...deps.projector.readModels.servers.values()]
      .filter((v) => v.enabled)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((v) => ({
        [v.name]: deps.access.filter(
          username,
          v.name,
          'tool',
          deps.runtime.snapshot(v.name)?.toolsList ?? [],
        ),
      }));
    ctx.body = { success: true, tools };
  });

  router.post('/mcp/tool/call', async (ctx) => {
    const body = parseInput(ToolCallBody, ctx.request.body, 'tool call');
    const username = actingUsername(principalOf(ctx), body.username);
    takeToolCall(deps, ctx, username);
    try {
      // The HTTP client hanging up cancels the call upstream instead of letting it run to its timeout.
      const data = await deps.runtime.callTool({ ...body, username }, clientSignal(ctx), {
        caller: callerOf(ctx, 'rest'),
      });
      ctx.body = { success: true, data };
    } catch (e) {
      // A Google OAuth2 server without tokens for this user: say where to log in.
      if (isAppError(e) && e.code === 'reauth_required') {
        throw new AppError(e.code, e.message, {
          ...e.details,
          authorizationUrl: googleLoginUrl(deps, ctx, username, body.serverName),
        });
      }
      throw e;
    }
  });

  return router;
}
