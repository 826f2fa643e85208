import { AppError } from '../errors.js';
import type { DomainEvent } from '../events/domainEvents.js';
import type {
  UpstreamClientRegisteredData,
  UpstreamConnectStartedData,
} from '../events/upstreamConnectEvents.js';
import type { Decider } from './decider.js';
import { assertUsable } from './oneTimeState.js';

export type UpstreamConnectState =
  | { readonly phase: 'none' }
  | ({ readonly phase: 'started' | 'completed' } & Omit<UpstreamConnectStartedData, 'stateHash'>);

export type UpstreamConnectCommand =
  | { type: 'StartUpstreamConnect'; data: UpstreamConnectStartedData }
  /** `now` is ISO-8601 from the caller's clock: the decider stays pure. */
  | { type: 'CompleteUpstreamConnect'; data: { stateHash: string; now: string } };

const invalid = (why: string): AppError =>
  new AppError(
    'invalid_oauth_state',
    `Invalid connection state: ${why}. Start connecting the account again.`,
    {
      reason: why,
    },
  );

/** One stream per state value: the expected stream version makes each state usable exactly once. */
export const upstreamConnectDecider: Decider<UpstreamConnectState, UpstreamConnectCommand> = {
  initialState: () => ({ phase: 'none' }),

  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'StartUpstreamConnect':
        if (state.phase !== 'none') throw new AppError('concurrency_conflict', 'This state already exists');
        return [{ type: 'UpstreamConnectStarted', data: command.data }];
      case 'CompleteUpstreamConnect': {
        assertUsable(state, command.data.now, invalid);
        return [
          {
            type: 'UpstreamConnectCompleted',
            data: {
              stateHash: command.data.stateHash,
              username: state.username,
              serverName: state.serverName,
            },
          },
        ];
      }
    }
  },

  evolve(state, event): UpstreamConnectState {
    if (event.type === 'UpstreamConnectStarted') {
      const { stateHash: _hash, ...rest } = event.data;
      return { phase: 'started', ...rest };
    }
    if (event.type === 'UpstreamConnectCompleted' && state.phase !== 'none')
      return { ...state, phase: 'completed' };
    return state;
  },
};

export type UpstreamClientState = { readonly registration?: UpstreamClientRegisteredData | undefined };

/**
 * The gateway's client at one issuer: an admin-configured one, else the first registration recorded
 * (so concurrent starts agree).
 */
export const upstreamClientDecider: Decider<
  UpstreamClientState,
  { type: 'RegisterUpstreamClient'; data: UpstreamClientRegisteredData }
> = {
  initialState: () => ({}),
  decide(state, command): DomainEvent[] {
    const known = state.registration;
    // An admin's configuration always applies; a registration never replaces it or an equivalent one.
    if (
      command.data.method !== 'configured' &&
      (known?.method === 'configured' || known?.redirectUri === command.data.redirectUri)
    )
      return [];
    return [{ type: 'UpstreamClientRegistered', data: command.data }];
  },
  evolve(state, event): UpstreamClientState {
    return event.type === 'UpstreamClientRegistered' ? { registration: event.data } : state;
  },
};
