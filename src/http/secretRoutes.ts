import Router from '@koa/router';
import { handleCommand } from '../commands/commandHandler.js';
import { secretDecider, type SecretCommand } from '../commands/secretDecider.js';
import { AppError, notFound } from '../errors.js';
import { secretsFor } from '../projections/secretsProjection.js';
import { isInjectableEnvName } from '../runtime/perUser/envSecretNames.js';
import { secretStreamId } from '../events/secretEvents.js';
import { commandMetadata, type AppDeps } from './appDeps.js';
import { actingUsername, principalOf } from './principal.js';
import { checkLimits } from './secretLimits.js';
import { DeleteSecretBody, SetSecretBody, usernameSchema } from './serverSchemas.js';
import * as z from 'zod';
import { takeSecretWrite } from './toolCallLimit.js';
import { parseInput } from './validate.js';

const SecretsQuery = z.object({ username: usernameSchema.optional() }).strict();

/** Secrets are sealed here, before the command: only ciphertext ever reaches a decider or an event. */
export function secretRoutes(deps: AppDeps): Router {
  const router = new Router();

  const serverIdOf = (serverName: string): string => {
    const server = deps.projector.readModels.servers.get(serverName);
    if (!server) throw notFound(serverName);
    return server.serverId;
  };
  const run = async (
    username: string,
    serverId: string,
    command: SecretCommand,
    requestId: string,
  ): Promise<void> => {
    const result = await handleCommand(
      deps.store,
      secretStreamId(serverId, username),
      secretDecider,
      command,
      commandMetadata(deps, username, requestId),
    );
    await deps.projector.waitFor(result.position);
  };

  /** Names only: the console's "my secrets" page. Values and ciphertext never leave the gateway. */
  router.get('/secrets', (ctx) => {
    const query = parseInput(SecretsQuery, ctx.query, 'secrets query');
    const username = actingUsername(principalOf(ctx), query.username);
    const models = deps.projector.readModels;
    const secrets = [...models.servers.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((server) => ({
        serverName: server.name,
        secretNames: [...secretsFor(models.secrets, server.serverId, username).keys()].sort(),
      }))
      .filter((s) => s.secretNames.length > 0);
    ctx.body = { success: true, username, secrets };
  });

  router.post('/secrets/set', async (ctx) => {
    const body = parseInput(SetSecretBody, ctx.request.body, 'secret');
    const username = actingUsername(principalOf(ctx), body.username);
    const { serverName, secretName, secretValue } = body;
    takeSecretWrite(deps, ctx, username);
    const serverId = serverIdOf(serverName);
    refuseReservedEnvName(deps, serverName, secretName);
    checkLimits(deps, username, serverId, secretName, secretValue);
    await deps.secretBox.prepare(username);
    const sealed = deps.secretBox.seal(secretValue, { username, serverName, secretName });
    const data = { serverId, serverName, username, secretName, sealed };
    await run(username, serverId, { type: 'SetSecret', data }, ctx.state.requestId as string);
    ctx.body = { success: true };
  });

  router.post('/secrets/delete', async (ctx) => {
    const body = parseInput(DeleteSecretBody, ctx.request.body, 'secret');
    const username = actingUsername(principalOf(ctx), body.username);
    const { serverName, secretName } = body;
    takeSecretWrite(deps, ctx, username);
    const serverId = serverIdOf(serverName);
    await run(
      username,
      serverId,
      { type: 'DeleteSecret', data: { serverId, serverName, username, secretName } },
      ctx.state.requestId as string,
    );
    ctx.body = { success: true };
  });

  return router;
}

/**
 * A server that gets secrets as environment variables never gets one that makes it run code
 * (NODE_OPTIONS, LD_PRELOAD, ...).
 */
function refuseReservedEnvName(deps: AppDeps, serverName: string, secretName: string): void {
  const config = deps.projector.readModels.servers.get(serverName)?.config;
  if (config?.secretDelivery !== 'env') return;
  if (isInjectableEnvName(secretName, config.allowUnsafeEnvNames)) return;
  throw new AppError(
    'invalid_request',
    `Server ${serverName} receives secrets as environment variables; ${secretName} is not allowed there ` +
      '(use a shell identifier that is not a loader, interpreter or base variable such as PATH, NODE_OPTIONS or ' +
      'LD_PRELOAD)',
    { serverName, secretName },
  );
}
