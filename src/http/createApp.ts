import type Router from '@koa/router';
import Koa from 'koa';
import type { AppDeps } from './appDeps.js';
import { authMiddleware } from './authMiddleware.js';
import { bodyParser } from './bodyParser.js';
import { errorMiddleware } from './errorMiddleware.js';
import { originGuard } from './originGuard.js';
import { buildRouters } from './routers.js';
import { userScope } from './userScope.js';
import { scopeCaller } from './callerScope.js';
import { traceHttp, traceMcpRequests, tracePolicy } from './tracing.js';

/** Every router of the app. Each of their routes needs an entry in routePolicy.ts and routeDocs.ts. */
export const appRouters = (deps: AppDeps): Router[] => buildRouters(deps);

/** Builds the Koa app; never listens (the composition root or a test does). */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.silent = true; // errors are logged by errorMiddleware, without bodies
  const routers = appRouters(deps);
  // Shared with tests that check every registered route has an access policy.
  app.context.routers = routers;
  const telemetry = deps.telemetry;
  if (telemetry?.enabled) app.use(traceHttp(telemetry));
  app.use(async (ctx, next) => {
    ctx.state.requestId = deps.newId();
    ctx.set('X-Request-Id', ctx.state.requestId as string);
    await next();
  });
  app.use(errorMiddleware(deps.logger));
  app.use(originGuard(deps.security.origins));
  const { authenticator, links } = deps.security;
  const auth = authMiddleware({ authenticator, links, routers, logger: deps.logger });
  app.use(telemetry?.enabled ? tracePolicy(telemetry, auth) : auth);
  app.use(bodyParser(deps.bodyLimit));
  if (telemetry?.enabled) app.use(traceMcpRequests(telemetry));
  if (deps.audit) app.use(scopeCaller(deps.audit.scope));
  app.use(userScope());
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: false }));
  }
  return app;
}
