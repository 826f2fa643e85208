import { createHmac, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { koaBody } from 'koa-body';
import type { InteractionResults } from 'oidc-provider';
import * as z from 'zod';
import { accountDecider } from '../../commands/identityDeciders.js';
import { handleCommand } from '../../commands/commandHandler.js';
import { userStreamId } from '../../events/userEvents.js';
import { AppError, isAppError } from '../../errors.js';
import { commandMetadata, type AppDeps } from '../appDeps.js';
import { consentPage, errorPage, loginPage, pageHeaders } from './pages.js';
import type { IdentityDeps } from './identityDeps.js';

const form = koaBody({ urlencoded: true, json: false, text: false, multipart: false, formLimit: '8kb' });
const LoginForm = z.object({ csrf: z.string().min(1).max(200), token: z.string().min(1).max(600) });
const ConsentForm = z.object({ csrf: z.string().min(1).max(200), decision: z.enum(['allow', 'deny']) });
const Uid = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

const csrfFor = (key: Buffer, uid: string): string =>
  createHmac('sha256', key).update(`csrf:${uid}`).digest('base64url');
function checkCsrf(key: Buffer, uid: string, presented: string): void {
  const expected = Buffer.from(csrfFor(key, uid));
  const got = Buffer.from(presented);
  if (got.length !== expected.length || !timingSafeEqual(got, expected))
    throw new AppError(
      'forbidden',
      'The form has expired or was not sent by this page; start the sign-in again',
    );
}

const identityOf = (deps: AppDeps): IdentityDeps => {
  if (!deps.identity)
    throw new AppError('route_not_found', 'The OAuth authorization server is off (set PUBLIC_URL)');
  return deps.identity;
};

/**
 * The authorization server's pages: sign-in (federated to the identity provider, or with a user
 * token) and per-client consent. The interaction is bound to its cookie by oidc-provider; forms also
 * carry an HMAC of the interaction id (CSRF), and no page may be framed.
 */
export function interactionRoutes(deps: AppDeps): Router {
  const router = new Router();

  const page = (handler: (ctx: Context, identity: IdentityDeps) => Promise<void>) => async (ctx: Context) => {
    pageHeaders(ctx);
    const identity = identityOf(deps);
    try {
      await handler(ctx, identity);
    } catch (e) {
      if (isProviderError(e)) {
        ctx.status = 400;
        ctx.body = errorPage(
          'This sign-in has expired or was started in another browser. Start again from your MCP client.',
        );
        return;
      }
      if (
        isAppError(e) &&
        (e.code === 'forbidden' || e.code === 'unauthorized' || e.code === 'upstream_error')
      ) {
        ctx.status = e.code === 'upstream_error' ? 502 : 403;
        ctx.body = errorPage(e.message);
        return;
      }
      throw e;
    }
  };
  const finish = async (ctx: Context, identity: IdentityDeps, result: InteractionResults): Promise<void> => {
    const to = await identity.authServer.provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: result.consent !== undefined,
    });
    ctx.status = 303;
    ctx.redirect(to);
  };
  const signIn = async (ctx: Context, identity: IdentityDeps, accountId: string): Promise<void> =>
    finish(ctx, identity, { login: { accountId } });

  router.get(
    '/oauth/interaction/:uid',
    page(async (ctx, identity) => {
      const uid = Uid.parse(ctx.params.uid);
      const { prompt, params, session } = await identity.authServer.provider.interactionDetails(
        ctx.req,
        ctx.res,
      );
      const clientId = String(params.client_id);
      const client = await identity.authServer.provider.Client.find(clientId);
      const clientName = typeof client?.clientName === 'string' ? client.clientName : clientId;
      const csrf = csrfFor(identity.authServer.formKey, uid);
      if (prompt.name === 'login') {
        ctx.body = loginPage({
          uid,
          csrf,
          clientName,
          ...(identity.federation ? { federationIssuer: identity.federation.issuer } : {}),
        });
        return;
      }
      const resource = params.resource;
      ctx.body = consentPage({
        uid,
        csrf,
        username: String(session?.accountId),
        clientId,
        ...(client?.clientName ? { clientName: client.clientName } : {}),
        redirectUri: String(params.redirect_uri),
        scopes: typeof params.scope === 'string' ? params.scope.split(' ').filter(Boolean) : [],
        resources: Array.isArray(resource)
          ? resource.map(String)
          : [String(resource ?? `${identity.authServer.issuer}/mcp`)],
      });
    }),
  );

  router.post(
    '/oauth/interaction/:uid/login',
    form,
    page(async (ctx, identity) => {
      const uid = Uid.parse(ctx.params.uid);
      const body = LoginForm.safeParse(ctx.request.body);
      if (!body.success) throw new AppError('forbidden', 'Incomplete sign-in form');
      checkCsrf(identity.authServer.formKey, uid, body.data.csrf);
      const details = await identity.authServer.provider.interactionDetails(ctx.req, ctx.res);
      if (details.prompt.name !== 'login') throw new AppError('forbidden', 'Already signed in');
      const principal = deps.security.authenticator.authenticate(`Bearer ${body.data.token}`);
      if (principal?.kind !== 'user')
        throw new AppError(
          'unauthorized',
          'That is not a valid user token (admin tokens cannot sign in here)',
        );
      await signIn(ctx, identity, principal.username);
    }),
  );

  router.get(
    '/oauth/interaction/:uid/federate',
    page(async (ctx, identity) => {
      const uid = Uid.parse(ctx.params.uid);
      if (!identity.federation)
        throw new AppError('forbidden', 'No identity provider is configured (OIDC_ISSUER)');
      const details = await identity.authServer.provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid || details.prompt.name !== 'login')
        throw new AppError('forbidden', 'Already signed in');
      ctx.status = 303;
      ctx.redirect((await identity.federation.start(uid)).href);
    }),
  );

  // The identity provider's redirect: its path is outside the interaction cookie's, so bounce into it.
  router.get(
    '/auth/oidc/callback',
    page(async (ctx, identity) => {
      const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
      const uid = identity.federation?.interactionOf(state);
      if (!uid) throw new AppError('forbidden', 'Unknown or forged sign-in state');
      ctx.status = 303;
      ctx.redirect(`/oauth/interaction/${uid}/federated?${ctx.querystring}`);
    }),
  );

  router.get(
    '/oauth/interaction/:uid/federated',
    page(async (ctx, identity) => {
      const uid = Uid.parse(ctx.params.uid);
      const federation = identity.federation;
      if (!federation) throw new AppError('forbidden', 'No identity provider is configured (OIDC_ISSUER)');
      const details = await identity.authServer.provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid || details.prompt.name !== 'login')
        throw new AppError('forbidden', 'Already signed in');
      const callback = new URL(identity.federationRedirectUri);
      callback.search = ctx.querystring;
      let who;
      try {
        who = await federation.finish(uid, callback);
      } catch (e) {
        if (isAppError(e)) throw e;
        deps.logger.warn('identity provider sign-in failed', {
          error: e instanceof Error ? e.message : String(e),
        });
        throw new AppError('unauthorized', 'The identity provider did not confirm the sign-in');
      }
      if (who.dropped > 0)
        deps.logger.warn('groups from the identity provider ignored: not valid group names', {
          username: who.username,
          dropped: who.dropped,
        });
      const result = await handleCommand(
        deps.store,
        userStreamId(who.username),
        accountDecider,
        {
          type: 'RecordSignIn',
          data: { username: who.username, subjectHash: who.subjectHash, idpGroups: who.groups },
        },
        commandMetadata(deps, `oidc:${who.username}`, ctx.state.requestId as string),
      );
      await deps.projector.waitFor(result.position);
      deps.logger.info('user signed in through the identity provider', {
        username: who.username,
        groups: who.groups.length,
      });
      await signIn(ctx, identity, who.username);
    }),
  );

  router.post(
    '/oauth/interaction/:uid/confirm',
    form,
    page(async (ctx, identity) => {
      const uid = Uid.parse(ctx.params.uid);
      const body = ConsentForm.safeParse(ctx.request.body);
      if (!body.success) throw new AppError('forbidden', 'Incomplete consent form');
      checkCsrf(identity.authServer.formKey, uid, body.data.csrf);
      const provider = identity.authServer.provider;
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.prompt.name !== 'consent' || !details.session?.accountId)
        throw new AppError('forbidden', 'Nothing to consent to');
      if (body.data.decision === 'deny') {
        await finish(ctx, identity, { error: 'access_denied', error_description: 'The user denied access' });
        return;
      }
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({
            accountId: details.session.accountId,
            clientId: String(details.params.client_id),
          });
      if (!grant) throw new AppError('forbidden', 'The grant is gone; start again');
      const missing = details.prompt.details as {
        missingOIDCScope?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
        grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      deps.logger.info('OAuth client authorized', {
        username: details.session.accountId,
        clientId: String(details.params.client_id),
      });
      await finish(ctx, identity, { consent: details.grantId ? {} : { grantId } });
    }),
  );

  return router;
}

/** oidc-provider's errors (expired or foreign interaction, ...) carry an OAuth `error` code and a status. */
function isProviderError(e: unknown): boolean {
  const fields = e as { error?: unknown; status?: unknown } | null;
  return e instanceof Error && typeof fields?.error === 'string' && typeof fields.status === 'number';
}
