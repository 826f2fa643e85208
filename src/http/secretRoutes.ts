import Router from '@koa/router';
import { handleCommand } from '../commands/commandHandler.js';
import { secretDecider, type SecretCommand } from '../commands/secretDecider.js';
import { AppError, notFound } from '../errors.js';
import { secretStreamId } from '../events/secretEvents.js';
import { secretCountFor, secretsFor } from '../projections/secretsProjection.js';
import { commandMetadata, type AppDeps } from './appDeps.js';
import { actingUsername, principalOf } from './principal.js';
import { DeleteSecretBody, SetSecretBody } from './serverSchemas.js';
import { parseInput } from './validate.js';

/** Secrets are sealed here, before the command: only ciphertext ever reaches a decider or an event. */
export function secretRoutes(deps: AppDeps): Router {
  const router = new Router();

  const serverIdOf = (serverName: string): string => {
    const server = deps.projector.readModels.servers.get(serverName);
    if (!server) throw notFound(serverName);
    return server.serverId;
  };
  const run = async (username: string, serverId: string, command: SecretCommand, requestId: string): Promise<void> => {
    const result = await handleCommand(deps.store, secretStreamId(serverId, username), secretDecider, command, commandMetadata(deps, username, requestId));
    await deps.projector.waitFor(result.position);
  };

  router.post('/secrets/set', async (ctx) => {
    const body = parseInput(SetSecretBody, ctx.request.body, 'secret');
    const username = actingUsername(principalOf(ctx), body.username);
    const { serverName, secretName, secretValue } = body;
    const serverId = serverIdOf(serverName);
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
    const serverId = serverIdOf(serverName);
    await run(username, serverId, { type: 'DeleteSecret', data: { serverId, serverName, username, secretName } }, ctx.state.requestId as string);
    ctx.body = { success: true };
  });

  return router;
}

/**
 * Per-user limits, checked against the read model: concurrent requests adding new names can
 * overshoot the count by at most their number. Overwriting an existing secret always works.
 */
export function checkLimits(deps: AppDeps, username: string, serverId: string, secretName: string, value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > deps.security.maxSecretValueBytes) {
    throw new AppError('secret_too_large', `secretValue is ${bytes} bytes; the limit is ${deps.security.maxSecretValueBytes}`, {
      limit: deps.security.maxSecretValueBytes,
    });
  }
  const models = deps.projector.readModels;
  if (secretsFor(models.secrets, serverId, username).has(secretName)) return;
  if (secretCountFor(models.secrets, username) >= deps.security.maxSecretsPerUser) {
    throw new AppError('limit_exceeded', `User ${username} already has ${deps.security.maxSecretsPerUser} secrets, the most allowed; delete one first`, {
      limit: deps.security.maxSecretsPerUser,
    });
  }
}
