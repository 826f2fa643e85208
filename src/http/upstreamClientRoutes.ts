import Router from '@koa/router';
import * as z from 'zod';
import { AppError } from '../errors.js';
import type { AppDeps } from './appDeps.js';
import { connectEndpoints } from './connectRoutes.js';
import { parseInput } from './validate.js';

export const UpstreamClientBody = z
  .object({
    /** The authorization server's issuer identifier, exactly as its metadata states it. */
    issuer: z.url({ protocol: /^https?$/ }).max(2048),
    clientId: z.string().min(1).max(2048),
    clientSecret: z.string().min(1).max(4096).optional(),
  })
  .strict();

/**
 * PUT /auth/upstream/clients: the admin's client at an authorization server that offers neither
 * dynamic registration nor Client ID Metadata Documents (or when a pre-registered client is wanted).
 * Register it there with the redirect URI this answers with.
 */
export function upstreamClientRoutes(deps: AppDeps): Router {
  const router = new Router();
  router.put('/auth/upstream/clients', async (ctx) => {
    const body = parseInput(UpstreamClientBody, ctx.request.body, 'upstream client');
    if (!deps.connect)
      throw new AppError('oauth_not_configured', 'Connecting accounts is not available on this gateway');
    const endpoints = connectEndpoints(deps, ctx);
    const { position } = await deps.connect.service.clients.configureClient(
      body.issuer,
      { clientId: body.clientId, ...(body.clientSecret ? { clientSecret: body.clientSecret } : {}) },
      endpoints,
    );
    if (position > 0) await deps.projector.waitFor(position);
    deps.logger.info('upstream OAuth client configured', { issuer: body.issuer, clientId: body.clientId });
    ctx.body = {
      success: true,
      issuer: body.issuer,
      clientId: body.clientId,
      redirectUri: endpoints.redirectUri,
    };
  });
  return router;
}
