import Router from '@koa/router';
import * as z from 'zod';
import { AppError } from '../errors.js';
import { redactForAudit } from '../events/auditRedaction.js';
import { queryEvents } from '../events/eventQuery.js';
import { replayUntil } from '../projections/stateAsOf.js';
import type { AppDeps } from './appDeps.js';
import { viewUrl } from './remoteHeaders.js';
import { parseInput } from './validate.js';

const position = z.coerce.number().int().min(1);
const single = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (Array.isArray(v) ? v.at(-1) : v), schema);

export const EventsQuery = z
  .object({
    stream: single(z.string().min(1).max(300).optional()),
    // `type=A,B` or `type=A&type=B`
    type: z.preprocess(
      (v) =>
        v === undefined
          ? undefined
          : (Array.isArray(v) ? v : [v]).flatMap((t) => String(t).split(',')).filter(Boolean),
      z.array(z.string().min(1).max(100)).max(50).optional(),
    ),
    from: single(position.optional()),
    to: single(position.optional()),
    since: single(z.iso.datetime({ offset: true }).optional()),
    until: single(z.iso.datetime({ offset: true }).optional()),
    limit: single(z.coerce.number().int().min(1).max(1000).default(100)),
  })
  .strict();

export const StateQuery = z
  .object({
    position: single(z.coerce.number().int().min(0).optional()),
    at: single(z.iso.datetime({ offset: true }).optional()),
  })
  .strict()
  .refine((q) => q.position === undefined || q.at === undefined, 'give a position or a time (at), not both');

/**
 * GET /events: the audit log, paged by position, filtered by stream, type, position and time,
 * with every secret shown as ciphertext metadata only. Reads the store (auditors want the log as
 * stored, not a read model), so it is not on the tool-call path.
 */
export function eventRoutes(deps: AppDeps): Router {
  const router = new Router();
  router.get('/events', async (ctx) => {
    const q = parseInput(EventsQuery, ctx.query, 'events query');
    if (q.from !== undefined && q.to !== undefined && q.from > q.to)
      throw new AppError('invalid_request', 'Invalid events query: from must not be after to');
    const page = await queryEvents(
      deps.store,
      {
        ...(q.stream === undefined ? {} : { streamId: q.stream }),
        ...(q.type === undefined ? {} : { types: q.type }),
        ...(q.from === undefined ? {} : { fromPosition: q.from }),
        ...(q.to === undefined ? {} : { toPosition: q.to }),
        ...(q.since === undefined ? {} : { since: q.since }),
        ...(q.until === undefined ? {} : { until: q.until }),
      },
      q.limit,
    );
    ctx.body = {
      success: true,
      events: page.events.map(redactForAudit),
      nextFrom: page.nextFrom,
      head: await deps.store.headPosition(),
    };
  });

  /** The configuration as it was: the live folds replayed over the log up to a position or time. */
  router.get('/events/state', async (ctx) => {
    const q = parseInput(StateQuery, ctx.query, 'state query');
    const head = await deps.store.headPosition();
    const until = q.at !== undefined ? { time: q.at } : { position: q.position ?? head };
    const { other: _other, ...state } = await replayUntil(deps.store, until, deps.logger);
    const servers = state.servers.map((s) => (typeof s.url === 'string' ? { ...s, url: viewUrl(s.url) } : s));
    ctx.body = { success: true, ...state, servers, head };
  });
  return router;
}
