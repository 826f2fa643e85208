import Router from '@koa/router';
import { handleCommand } from '../commands/commandHandler.js';
import { tokenDecider } from '../commands/tokenDecider.js';
import { AppError } from '../errors.js';
import { hashToken, newUserToken } from '../crypto/accessTokens.js';
import { tokenStreamId } from '../events/tokenEvents.js';
import type { TokenView } from '../projections/tokensProjection.js';
import { commandMetadata, type AppDeps } from './appDeps.js';
import { IssueTokenBody, tokenIdSchema, TokenListQuery } from './authSchemas.js';
import { principalOf } from './principal.js';
import { parseInput } from './validate.js';

/** Token metadata as shown to admins: never the token, never its hash. */
function tokenMetadata(view: TokenView, now: Date): Record<string, unknown> {
  const { tokenHash: _hidden, ...shown } = view;
  const expired = view.expiresAt !== undefined && now.getTime() >= Date.parse(view.expiresAt);
  return { ...shown, active: view.revokedAt === undefined && !expired };
}

export function tokenRoutes(deps: AppDeps): Router {
  const router = new Router();
  const tokens = () => deps.projector.readModels.tokens;

  router.get('/auth/me', (ctx) => {
    const principal = principalOf(ctx);
    ctx.body = {
      success: true,
      authenticated: deps.security.authenticator.enabled,
      role: principal?.kind ?? 'admin',
      ...(principal?.kind === 'user' ? { username: principal.username, tokenId: principal.tokenId } : {}),
    };
  });

  router.post('/auth/tokens', async (ctx) => {
    const body = parseInput(IssueTokenBody, ctx.request.body, 'token request');
    const expiresAt =
      body.expiresAt === undefined ? undefined : new Date(Date.parse(body.expiresAt)).toISOString();
    if (expiresAt !== undefined && Date.parse(expiresAt) <= deps.clock().getTime()) {
      throw new AppError('invalid_request', 'Invalid token request: expiresAt: must be in the future', {
        problems: ['expiresAt: must be in the future'],
      });
    }
    const { tokenId, token } = newUserToken();
    const data = {
      tokenId,
      username: body.username,
      ...(body.label === undefined ? {} : { label: body.label }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
      tokenHash: hashToken(token),
    };
    const result = await handleCommand(
      deps.store,
      tokenStreamId(tokenId),
      tokenDecider,
      { type: 'IssueToken', data },
      commandMetadata(deps, 'admin', ctx.state.requestId as string),
    );
    await deps.projector.waitFor(result.position);
    const view = tokens().get(tokenId) as TokenView;
    // The only time the token is ever shown.
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { success: true, token, ...tokenMetadata(view, deps.clock()) };
  });

  router.get('/auth/tokens', (ctx) => {
    const { username } = parseInput(TokenListQuery, ctx.query, 'query');
    const now = deps.clock();
    const list = [...tokens().values()]
      .filter((t) => username === undefined || t.username === username)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.tokenId.localeCompare(b.tokenId))
      .map((t) => tokenMetadata(t, now));
    ctx.body = { success: true, tokens: list };
  });

  router.delete('/auth/tokens/:id', async (ctx) => {
    const tokenId = parseInput(tokenIdSchema, ctx.params.id, 'token id');
    const result = await handleCommand(
      deps.store,
      tokenStreamId(tokenId),
      tokenDecider,
      { type: 'RevokeToken', data: { tokenId } },
      commandMetadata(deps, 'admin', ctx.state.requestId as string),
    );
    await deps.projector.waitFor(result.position);
    ctx.body = { success: true };
  });

  return router;
}
