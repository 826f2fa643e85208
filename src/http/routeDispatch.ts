import type Router from '@koa/router';
import type { Layer, RouterMiddleware } from '@koa/router';
import type { Next } from 'koa';

/** What one method and path resolve to. */
export interface ResolvedRoute<P> {
  /** Derived from the layers that serve this method on this path (the app: the access policy). */
  readonly policy: P;
  /** Runs the routers this path can reach, exactly as mounting every router would. */
  readonly dispatch: RouterMiddleware;
}

export interface RouteTable<P> {
  /** Resolves once per distinct method and path, then answers from a bounded cache. */
  resolve(method: string, path: string): ResolvedRoute<P>;
  /** Entries cached now (never more than the limit). */
  readonly size: number;
}

/**
 * Matches every router once per distinct `${method} ${path}` (routers are fixed at start, so the answer never
 * changes) and keeps, for the dispatcher, only the routers with a layer on that path, in mount order. A router
 * with no layer on the path would only record an empty match and call next, and its allowedMethods would decide
 * exactly as a matching router's does (same accumulated `ctx.matched`, and the same implemented methods as long
 * as every router keeps @koa/router's default list, as ours do), so skipping it changes nothing. When no router
 * has a layer there, the first router still runs: its allowedMethods answers 501 to a method no router
 * implements, and the rest falls through to 404, as before. Bounded, as paths carry names and ids: cleared when
 * full.
 */
export function routeTable<P>(
  routers: readonly Router[],
  policyOf: (served: readonly Layer[]) => P,
  limit = 1024,
): RouteTable<P> {
  // Each router's pair is built once: routes() and allowedMethods() create their closures on every call.
  const pairs = routers.map((router) => compose([router.routes(), router.allowedMethods({ throw: false })]));
  const cached = new Map<string, ResolvedRoute<P>>();

  const match = (method: string, path: string): ResolvedRoute<P> => {
    const served: Layer[] = [];
    const reached: number[] = [];
    routers.forEach((router, i) => {
      const found = router.match(path, method);
      served.push(...found.pathAndMethod);
      if (found.path.length > 0) reached.push(i);
    });
    if (reached.length === 0 && pairs.length > 0) reached.push(0);
    const chain = reached.map((i) => pairs[i] as RouterMiddleware);
    const dispatch = chain.length === 1 ? (chain[0] as RouterMiddleware) : compose(chain);
    return { policy: policyOf(served), dispatch };
  };

  return {
    resolve(method, path) {
      const key = `${method} ${path}`;
      let route = cached.get(key);
      if (!route) {
        if (cached.size >= limit) cached.clear();
        route = match(method, path);
        cached.set(key, route);
      }
      return route;
    },
    get size() {
      return cached.size;
    },
  };
}

/** The one middleware in place of every router's routes() and allowedMethods(). */
export function routeDispatch(table: RouteTable<unknown>): RouterMiddleware {
  return (ctx, next) => table.resolve(ctx.method, ctx.path).dispatch(ctx, next);
}

/** koa-compose's contract (a sync throw becomes a rejection, a second next() is refused), without the dependency. */
function compose(middleware: readonly RouterMiddleware[]): RouterMiddleware {
  return (ctx, next: Next) => {
    let last = -1;
    const step = (i: number): Promise<unknown> => {
      if (i <= last) return Promise.reject(new Error('next() called multiple times'));
      last = i;
      const fn = middleware[i];
      try {
        return Promise.resolve(fn ? fn(ctx, () => step(i + 1)) : next());
      } catch (error) {
        return Promise.reject(error as Error);
      }
    };
    return step(0);
  };
}
