import Router from '@koa/router';
import type { Context } from 'koa';
import * as z from 'zod';
import { grantDecider } from '../../commands/authServerDecider.js';
import { handleCommand } from '../../commands/commandHandler.js';
import { authGrantStreamId } from '../../events/authServerEvents.js';
import { AppError } from '../../errors.js';
import { commandMetadata, type AppDeps } from '../appDeps.js';
import { actingUsername, principalOf } from '../principal.js';
import { usernameSchema } from '../serverSchemas.js';
import { parseInput } from '../validate.js';
import { MCP_SCOPE } from './pages.js';
import { openRecord } from './recordAdapter.js';

const PRM = '/.well-known/oauth-protected-resource';
const UserQuery = z.object({ username: usernameSchema.optional() });

/** RFC 9728: the metadata path for a resource path (`/mcp` → `/.well-known/oauth-protected-resource/mcp`). */
export const resourceMetadataPath = (resourcePath: string): string =>
  resourcePath === '/' || resourcePath === '' ? PRM : `${PRM}${resourcePath}`;

/**
 * Protected resource metadata (RFC 9728) for the gateway and each resource path under it, and the
 * connected clients (grants) of a user, who can list and revoke them.
 */
export function resourceRoutes(deps: AppDeps): Router {
  const router = new Router();
  const metadata = (ctx: Context, path: string): void => {
    const identity = deps.identity;
    if (!identity)
      throw new AppError('route_not_found', 'The OAuth authorization server is off (set PUBLIC_URL)');
    const base = identity.authServer.issuer;
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = {
      resource: `${base}${path}`,
      authorization_servers: [base],
      scopes_supported: [MCP_SCOPE],
      bearer_methods_supported: ['header'],
      resource_name: 'mcp-api gateway',
    };
  };
  router.get(PRM, (ctx) => metadata(ctx, ''));
  router.get(`${PRM}/{*resource}`, (ctx) => {
    const rest = String(ctx.params.resource ?? '');
    if (!/^[A-Za-z0-9._~\-/]{1,512}$/.test(rest))
      throw new AppError('invalid_request', 'Not a resource path');
    metadata(ctx, `/${rest}`);
  });

  const grantsOf = (username: string) => {
    const grants = deps.projector.readModels.authServer.records.get('Grant') ?? new Map();
    const identity = deps.identity;
    const out: Array<{ clientId: string; clientName?: string; grantIds: string[] }> = [];
    for (const record of grants.values()) {
      if (record.accountId !== username || record.clientId === undefined || record.grantId === undefined)
        continue;
      let entry = out.find((c) => c.clientId === record.clientId);
      if (!entry) {
        const client = identity
          ? openRecord(
              { projector: deps.projector, sealKey: identity.authServer.sealKey, clock: deps.clock },
              'Client',
              record.clientId,
            )
          : undefined;
        entry = {
          clientId: record.clientId,
          ...(typeof client?.client_name === 'string' ? { clientName: client.client_name } : {}),
          grantIds: [],
        };
        out.push(entry);
      }
      entry.grantIds.push(record.grantId);
    }
    return out;
  };

  router.get('/auth/clients', (ctx) => {
    const query = parseInput(UserQuery, ctx.query, 'query');
    const username = actingUsername(principalOf(ctx), query.username);
    ctx.body = {
      success: true,
      username,
      clients: grantsOf(username).map(({ clientId, clientName }) => ({
        clientId,
        ...(clientName ? { clientName } : {}),
      })),
    };
  });

  router.delete('/auth/clients/:clientId', async (ctx) => {
    const query = parseInput(UserQuery, ctx.query, 'query');
    const username = actingUsername(principalOf(ctx), query.username);
    const clientId = parseInput(z.string().min(1).max(2048), ctx.params.clientId, 'client id');
    const connected = grantsOf(username).find((c) => c.clientId === clientId);
    if (!connected)
      throw new AppError('client_not_found', `No connected client ${clientId} for user ${username}`, {
        clientId,
      });
    let position = 0;
    for (const grantId of connected.grantIds) {
      const result = await handleCommand(
        deps.store,
        authGrantStreamId(grantId),
        grantDecider,
        { type: 'RevokeGrant', data: { grantId } },
        commandMetadata(deps, username, ctx.state.requestId as string),
      );
      position = Math.max(position, result.position);
    }
    await deps.projector.waitFor(position);
    deps.logger.info('OAuth client revoked by its user', { username, clientId });
    ctx.body = { success: true, clientId, grantsRevoked: connected.grantIds.length };
  });

  return router;
}
