import { AppError } from '../errors.js';
import type { DomainEvent } from '../events/domainEvents.js';
import type { ToolSource, ToolVersion } from '../events/toolPinEvents.js';
import { applyToolPinEvent, emptyPinState, type ToolPinState } from '../events/toolPinEvents.js';
import type { Decider } from './decider.js';

interface ServerRef {
  readonly serverId: string;
  readonly serverName: string;
}

export type ToolPinCommand =
  /** A catalogue as one source advertised it; only what is new to the pin state becomes an event. */
  | {
      type: 'ObserveTools';
      data: ServerRef & { source: ToolSource; autoApprove: boolean; tools: readonly ToolVersion[] };
    }
  /** One held tool (toolName), or every held tool of the server; `hash` guards against a newer change. */
  | { type: 'ApproveTools'; data: ServerRef & { toolName?: string | undefined; hash?: string | undefined } }
  | { type: 'RejectTools'; data: ServerRef & { toolName?: string | undefined; hash?: string | undefined } };

/** Held tools per server the log records; more new tools are held without a record. */
export const MAX_HELD_TOOLS = 500;

function observe(state: ToolPinState, data: Extract<ToolPinCommand, { type: 'ObserveTools' }>['data']) {
  const { serverId, serverName, source, tools } = data;
  if (tools.length === 0) return [];
  // Trust on first use, for what the server itself advertised only: a per-user process never pins.
  if (!state.established && source === 'server')
    return [
      { type: 'ToolCatalogPinned', data: { serverId, serverName, tools: [...tools] } },
    ] as DomainEvent[];
  // Auto-approval trusts the server's own catalogue; a user's process cannot redefine it for others.
  const auto = data.autoApprove && source === 'server';
  const events: DomainEvent[] = [];
  for (const proposed of tools) {
    const toolName = proposed.definition.name;
    const previous = state.pinned.get(toolName);
    if (previous?.hash === proposed.hash || state.rejected.get(toolName)?.includes(proposed.hash)) continue;
    const held = state.pending.get(toolName);
    // A server inventing tools without end fills no log: past the cap new tools stay held, unrecorded.
    if (!held && !auto && state.pending.size + events.length >= MAX_HELD_TOOLS) continue;
    if (held?.proposed.hash !== proposed.hash) {
      const prior = previous && { hash: previous.hash, definition: previous.definition };
      events.push({
        type: 'ToolChangeDetected',
        data: { serverId, serverName, toolName, source, proposed, ...(prior ? { previous: prior } : {}) },
      });
    }
    if (auto)
      events.push({
        type: 'ToolChangeApproved',
        data: { serverId, serverName, toolName, hash: proposed.hash, by: 'auto' },
      });
  }
  return events;
}

function targets(state: ToolPinState, ref: ServerRef & { toolName?: string | undefined; hash?: string }) {
  if (ref.toolName === undefined)
    return [...state.pending].map(([name, p]) => ({ name, hash: p.proposed.hash }));
  const held = state.pending.get(ref.toolName);
  if (!held)
    throw new AppError(
      'tool_change_not_found',
      `No change of tool ${ref.toolName} on server ${ref.serverName} is waiting for approval`,
      { serverName: ref.serverName, toolName: ref.toolName },
    );
  if (ref.hash !== undefined && ref.hash !== held.proposed.hash)
    throw new AppError(
      'tool_change_conflict',
      `Tool ${ref.toolName} on server ${ref.serverName} changed again: review the held version ${held.proposed.hash}`,
      { serverName: ref.serverName, toolName: ref.toolName, hash: held.proposed.hash },
    );
  return [{ name: ref.toolName, hash: held.proposed.hash }];
}

export const toolPinDecider: Decider<ToolPinState, ToolPinCommand> = {
  initialState: () => emptyPinState(),

  decide(state, command): DomainEvent[] {
    if (command.type === 'ObserveTools') return observe(state, command.data);
    const { serverId, serverName } = command.data;
    return targets(state, command.data).map(({ name, hash }) =>
      command.type === 'ApproveTools'
        ? { type: 'ToolChangeApproved', data: { serverId, serverName, toolName: name, hash, by: 'admin' } }
        : { type: 'ToolChangeRejected', data: { serverId, serverName, toolName: name, hash } },
    );
  },

  evolve(state, event) {
    applyToolPinEvent(state, event);
    return state;
  },
};
