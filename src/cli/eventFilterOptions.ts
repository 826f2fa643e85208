import * as z from 'zod';
import type { EventFilter } from '../events/eventQuery.js';

const position = z.coerce.number().int().min(1);

/** The filter options every `events` subcommand accepts. */
export const filterOptionShape = {
  stream: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  from: position.optional(),
  to: position.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
};

export interface FilterOptions {
  stream?: string | undefined;
  type?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

export function toEventFilter(o: FilterOptions): EventFilter {
  return {
    ...(o.stream === undefined ? {} : { streamId: o.stream }),
    ...(o.type === undefined ? {} : { types: o.type.split(',').filter(Boolean) }),
    ...(o.from === undefined ? {} : { fromPosition: o.from }),
    ...(o.to === undefined ? {} : { toPosition: o.to }),
    ...(o.since === undefined ? {} : { since: o.since }),
    ...(o.until === undefined ? {} : { until: o.until }),
  };
}

export const FILTER_USAGE =
  '[--stream <id>] [--type <T1,T2>] [--from <position>] [--to <position>] [--since <ISO time>] [--until <ISO time>]';
