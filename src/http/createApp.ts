import Koa from 'koa';
import type { AppDeps } from './appDeps.js';
import { bodyParser } from './bodyParser.js';
import { errorMiddleware } from './errorMiddleware.js';
import { eventRoutes } from './eventRoutes.js';
import { healthRoutes } from './healthRoutes.js';
import { secretRoutes } from './secretRoutes.js';
import { serverRoutes } from './serverRoutes.js';
import { toolRoutes } from './toolRoutes.js';

/** Builds the Koa app; never listens (the composition root or a test does). */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.silent = true; // errors are logged by errorMiddleware, without bodies
  app.use(async (ctx, next) => {
    ctx.state.requestId = deps.newId();
    ctx.set('X-Request-Id', ctx.state.requestId as string);
    await next();
  });
  app.use(errorMiddleware(deps.logger));
  app.use(bodyParser(deps.bodyLimit));
  for (const router of [healthRoutes(deps), serverRoutes(deps), toolRoutes(deps), secretRoutes(deps), eventRoutes(deps)]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: false }));
  }
  return app;
}
