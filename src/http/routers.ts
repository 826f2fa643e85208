import type Router from '@koa/router';
import type { AppDeps } from './appDeps.js';
import { docsRoutes } from './docsRoutes.js';
import { eventRoutes } from './eventRoutes.js';
import { googleRoutes } from './googleRoutes.js';
import { healthRoutes } from './healthRoutes.js';
import { mcpRoutes } from './mcpRoutes.js';
import { oauthRoutes } from './oauthRoutes.js';
import { packageRoutes } from './packageRoutes.js';
import { secretRoutes } from './secretRoutes.js';
import { serverRoutes } from './serverRoutes.js';
import { tokenRoutes } from './tokenRoutes.js';
import { toolRoutes } from './toolRoutes.js';
import { catalogRoutes } from './catalogRoutes.js';
import { uiRoutes } from './uiRoutes.js';
import { userRoutes } from './userRoutes.js';
import { identityRoutes } from './identityRoutes.js';
import { interactionRoutes } from './authServer/interactionRoutes.js';
import { resourceRoutes } from './authServer/resourceRoutes.js';
import { auditRoutes } from './auditRoutes.js';
import { toolPinRoutes } from './toolPinRoutes.js';
import { healthSummaryRoutes } from './healthSummaryRoutes.js';
import { logStreamRoutes } from './logStream.js';

/** Every router of the app, in mount order. Tests enumerate them to check docs and policies cover every route. */
export function buildRouters(deps: AppDeps): Router[] {
  return [
    healthRoutes(deps),
    docsRoutes(),
    serverRoutes(deps),
    logStreamRoutes(deps),
    healthSummaryRoutes(deps),
    toolRoutes(deps),
    catalogRoutes(deps),
    secretRoutes(deps),
    oauthRoutes(deps),
    packageRoutes(deps),
    eventRoutes(deps),
    tokenRoutes(deps),
    userRoutes(deps),
    googleRoutes(deps),
    mcpRoutes(deps),
    identityRoutes(deps),
    interactionRoutes(deps),
    resourceRoutes(deps),
    auditRoutes(deps),
    toolPinRoutes(deps),
    uiRoutes(),
  ];
}

export interface RouteRef {
  readonly method: string;
  readonly path: string;
}

/** The (method, path) pairs the routers answer, HEAD (automatic for GET) left out. */
export function listRoutes(routers: readonly Router[]): RouteRef[] {
  return routers.flatMap((r) =>
    r.stack.flatMap((layer) =>
      layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path: String(layer.path) })),
    ),
  );
}
