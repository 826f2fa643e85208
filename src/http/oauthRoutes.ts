import Router from '@koa/router';
import { handleCommand } from '../commands/commandHandler.js';
import { oauthDecider } from '../commands/oauthDecider.js';
import { AppError, notFound } from '../errors.js';
import { oauthSecretName, oauthStreamId, type OAuthSecretField } from '../events/oauthEvents.js';
import type { Sealed } from '../events/secretEvents.js';
import { commandMetadata, type AppDeps } from './appDeps.js';
import { actingUsername, isAdmin, principalOf } from './principal.js';
import { OAuthTokensBody, serverNameSchema } from './serverSchemas.js';
import { serverResponse } from './serverView.js';
import { takeSecretWrite } from './toolCallLimit.js';
import { parseInput } from './validate.js';

/**
 * POST /mcp/servers/:name/oauth stores a user's grant for a streamable_http server. Every secret
 * field is sealed here, before the command, so only ciphertext reaches the decider and the event.
 */
export function oauthRoutes(deps: AppDeps): Router {
  const router = new Router();

  router.post('/mcp/servers/:name/oauth', async (ctx) => {
    const name = parseInput(serverNameSchema, ctx.params.name, 'server name');
    const body = parseInput(OAuthTokensBody, ctx.request.body, 'OAuth tokens');
    const view = deps.projector.readModels.servers.get(name);
    if (!view) throw notFound(name);
    if (view.config.transport.transportType !== 'streamable_http') {
      throw new AppError(
        'invalid_request',
        `Server ${name} uses transportType "${view.config.transport.transportType}"; OAuth tokens apply to ` +
          `streamable_http servers only`,
        {
          serverName: name,
        },
      );
    }
    const username = actingUsername(principalOf(ctx), body.username);
    takeSecretWrite(deps, ctx, username);
    await deps.secretBox.prepare(username);
    const seal = (value: string | undefined, field: OAuthSecretField): Sealed | undefined =>
      value === undefined
        ? undefined
        : deps.secretBox.seal(value, { username, serverName: name, secretName: oauthSecretName(field) });
    const data = {
      serverId: view.serverId,
      serverName: name,
      username,
      tokenType: 'Bearer',
      accessToken: seal(body.accessToken, 'accessToken') as Sealed,
      ...optional('refreshToken', seal(body.refreshToken, 'refreshToken')),
      ...optional(
        'expiresAt',
        body.expiresIn === undefined
          ? undefined
          : new Date(deps.clock().getTime() + body.expiresIn * 1000).toISOString(),
      ),
      ...optional('scopes', body.scopes),
      ...optional('clientId', body.clientId),
      ...optional('clientSecret', seal(body.clientSecret, 'clientSecret')),
      ...optional('redirectUri', body.redirectUri),
      ...optional('codeVerifier', seal(body.codeVerifier, 'codeVerifier')),
    };
    const result = await handleCommand(
      deps.store,
      oauthStreamId(view.serverId, username),
      oauthDecider,
      { type: 'StoreTokens', data },
      commandMetadata(deps, username, ctx.state.requestId as string),
    );
    await deps.projector.waitFor(result.position);
    ctx.body = {
      success: true,
      server: serverResponse(view, deps.runtime.snapshot(name), isAdmin(principalOf(ctx))),
    };
  });

  return router;
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
