import type Router from '@koa/router';
import Koa from 'koa';
import type { AppDeps } from './appDeps.js';
import { authMiddleware, routePolicyOf } from './authMiddleware.js';
import { bodyParser } from './bodyParser.js';
import { errorMiddleware } from './errorMiddleware.js';
import { originGuard } from './originGuard.js';
import { buildRouters } from './routers.js';
import { routeDispatch, routeTable } from './routeDispatch.js';
import { userScope } from './userScope.js';
import { resourceMetadataPath } from './authServer/resourceRoutes.js';
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
  // The gateway's own authorization server (issue 13): its protocol endpoints, before authentication.
  const issuer = deps.identity?.authServer.issuer;
  if (deps.identity) app.use(deps.identity.authServer.middleware);
  const challenge = issuer
    ? (path: string): string =>
        `Bearer resource_metadata="${issuer}${resourceMetadataPath(path === '/mcp' ? '/mcp' : '/')}"`
    : undefined;
  const { authenticator, links } = deps.security;
  // One resolution per distinct method and path, for both the access policy and the dispatch.
  const routes = routeTable(routers, routePolicyOf(deps.logger));
  const auth = authMiddleware({
    authenticator,
    links,
    routes,
    logger: deps.logger,
    ...(challenge ? { challenge } : {}),
    ...(deps.security.authFailures ? { throttle: deps.security.authFailures } : {}),
  });
  app.use(telemetry?.enabled ? tracePolicy(telemetry, auth) : auth);
  app.use(bodyParser(deps.bodyLimit));
  if (telemetry?.enabled) app.use(traceMcpRequests(telemetry));
  app.use(userScope());
  // Only the routers with a layer on the path run, instead of all of them in turn (issue 18).
  app.use(routeDispatch(routes));
  return app;
}
