import Router from '@koa/router';
import type { AppDeps } from './appDeps.js';

/** Probes for orchestrators and scrapers; they stay public when authentication lands. */
export function healthRoutes(deps: AppDeps): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { success: true, status: 'ok', checkpoint: deps.projector.checkpoint };
  });
  router.get('/readyz', async (ctx) => {
    const report = await deps.ops.readiness();
    ctx.status = report.ready ? 200 : 503;
    ctx.body = { success: report.ready, status: report.ready ? 'ready' : 'not_ready', checks: report.checks };
  });
  router.get('/metrics', async (ctx) => {
    const { contentType, body } = await deps.ops.metrics();
    ctx.type = contentType;
    ctx.body = body;
  });
  return router;
}
