import Router from '@koa/router';
import type { AppDeps } from './appDeps.js';

export function healthRoutes(deps: AppDeps): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { success: true, status: 'ok', checkpoint: deps.projector.checkpoint };
  });
  return router;
}
