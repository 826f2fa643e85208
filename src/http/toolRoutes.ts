import Router from '@koa/router';
import type { AppDeps } from './appDeps.js';
import { ToolCallBody } from './serverSchemas.js';
import { parseInput } from './validate.js';

export function toolRoutes(deps: AppDeps): Router {
  const router = new Router();

  router.get('/mcp/tools', (ctx) => {
    const tools = [...deps.projector.readModels.servers.values()]
      .filter((v) => v.enabled)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((v) => ({ [v.name]: deps.runtime.snapshot(v.name)?.toolsList ?? [] }));
    ctx.body = { success: true, tools };
  });

  router.post('/mcp/tool/call', async (ctx) => {
    const body = parseInput(ToolCallBody, ctx.request.body, 'tool call');
    // The HTTP client hanging up cancels the call upstream instead of letting it run to its timeout.
    const abort = new AbortController();
    const onClose = (): void => {
      if (!ctx.res.writableFinished) abort.abort(new Error('HTTP client disconnected'));
    };
    ctx.res.once('close', onClose);
    try {
      const data = await deps.runtime.callTool(body, abort.signal);
      ctx.body = { success: true, data };
    } finally {
      ctx.res.off('close', onClose);
    }
  });

  return router;
}
