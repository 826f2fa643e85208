import Router from '@koa/router';
import { handleCommand } from '../commands/commandHandler.js';
import { userDecider } from '../commands/userDecider.js';
import { userStreamId } from '../events/userEvents.js';
import { secretCountFor } from '../projections/secretsProjection.js';
import { commandMetadata, type AppDeps } from './appDeps.js';
import { usernameSchema } from './serverSchemas.js';
import { parseInput } from './validate.js';

export function userRoutes(deps: AppDeps): Router {
  const router = new Router();

  /**
   * Crypto-shredding. The data keys go first: if the process dies before the event is recorded,
   * the secrets are already unreadable and repeating the request records the deletion.
   */
  router.delete('/users/:username', async (ctx) => {
    const username = parseInput(usernameSchema, ctx.params.username, 'username');
    const models = deps.projector.readModels;
    const secrets = secretCountFor(models.secrets, username);
    const tokens = [...models.tokens.values()].filter(
      (t) => t.username === username && t.revokedAt === undefined,
    ).length;
    const dataKeysDestroyed = await deps.secretBox.destroy(username);
    const result = await handleCommand(
      deps.store,
      userStreamId(username),
      userDecider,
      { type: 'DeleteUser', data: { username } },
      commandMetadata(deps, 'admin', ctx.state.requestId as string),
    );
    await deps.projector.waitFor(result.position);
    deps.logger.info('user deleted; data keys destroyed', { username, dataKeysDestroyed, secrets, tokens });
    ctx.body = { success: true, username, dataKeysDestroyed, secretsRemoved: secrets, tokensRevoked: tokens };
  });

  return router;
}
