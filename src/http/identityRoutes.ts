import Router from '@koa/router';
import { accountDecider, policyDecider } from '../commands/identityDeciders.js';
import { handleCommand } from '../commands/commandHandler.js';
import { POLICY_STREAM } from '../events/policyEvents.js';
import { userStreamId } from '../events/userEvents.js';
import { AppError } from '../errors.js';
import { groupsOf } from '../projections/identityProjection.js';
import { commandMetadata, type AppDeps } from './appDeps.js';
import { PolicyCheckBody, RegisterUserBody, SetGroupsBody, SetPolicyBody } from './identitySchemas.js';
import { usernameSchema } from './serverSchemas.js';
import { parseInput } from './validate.js';

/** Users, groups and the access policy: admin-only, all as events. */
export function identityRoutes(deps: AppDeps): Router {
  const router = new Router();
  const meta = (ctx: { state: Record<string, unknown> }) =>
    commandMetadata(deps, 'admin', ctx.state.requestId as string);
  const userView = (username: string) => {
    const user = deps.projector.readModels.users.get(username);
    if (!user) throw new AppError('user_not_found', `User ${username} not found`, { username });
    return { ...user, effectiveGroups: groupsOf(deps.projector.readModels.users, username) };
  };

  router.get('/users', (ctx) => {
    const users = [...deps.projector.readModels.users.keys()].sort().map(userView);
    ctx.body = { success: true, users };
  });

  router.post('/users', async (ctx) => {
    const body = parseInput(RegisterUserBody, ctx.request.body, 'user');
    const registered = await handleCommand(
      deps.store,
      userStreamId(body.username),
      accountDecider,
      { type: 'RegisterUser', data: { username: body.username, source: 'admin' } },
      meta(ctx),
    );
    let position = registered.position;
    if (body.groups) {
      const grouped = await handleCommand(
        deps.store,
        userStreamId(body.username),
        accountDecider,
        { type: 'SetUserGroups', data: { username: body.username, groups: body.groups } },
        meta(ctx),
      );
      position = Math.max(position, grouped.position);
    }
    await deps.projector.waitFor(position);
    ctx.status = registered.events.length > 0 ? 201 : 200;
    ctx.body = { success: true, user: userView(body.username) };
  });

  router.get('/users/:username', (ctx) => {
    ctx.body = { success: true, user: userView(parseInput(usernameSchema, ctx.params.username, 'username')) };
  });

  router.put('/users/:username/groups', async (ctx) => {
    const username = parseInput(usernameSchema, ctx.params.username, 'username');
    const body = parseInput(SetGroupsBody, ctx.request.body, 'groups');
    const result = await handleCommand(
      deps.store,
      userStreamId(username),
      accountDecider,
      { type: 'SetUserGroups', data: { username, groups: body.groups } },
      meta(ctx),
    );
    await deps.projector.waitFor(result.position);
    ctx.body = { success: true, user: userView(username) };
  });

  router.get('/policy', (ctx) => {
    const { rules, updatedAt } = deps.projector.readModels.policy;
    ctx.body = { success: true, rules, ...(updatedAt ? { updatedAt } : {}), enforced: rules.length > 0 };
  });

  router.put('/policy', async (ctx) => {
    const body = parseInput(SetPolicyBody, ctx.request.body, 'access policy');
    const result = await handleCommand(
      deps.store,
      POLICY_STREAM,
      policyDecider,
      { type: 'SetAccessPolicy', data: { rules: body.rules } },
      meta(ctx),
    );
    await deps.projector.waitFor(result.position);
    deps.logger.info('access policy set', { rules: body.rules.length });
    ctx.body = {
      success: true,
      rules: deps.projector.readModels.policy.rules,
      enforced: body.rules.length > 0,
    };
  });

  // What the policy decides for one user and item, and why (which rule): for admins writing rules.
  router.post('/policy/check', (ctx) => {
    const body = parseInput(PolicyCheckBody, ctx.request.body, 'policy check');
    const decision = deps.access.decide(body.username, {
      server: body.server,
      kind: body.kind,
      name: body.name,
    });
    ctx.body = {
      success: true,
      ...decision,
      groups: groupsOf(deps.projector.readModels.users, body.username),
    };
  });

  return router;
}
