import { AppError } from '../errors.js';
import type { DomainEvent } from '../events/domainEvents.js';
import type { Decider } from './decider.js';
import { assertUsable } from './oneTimeState.js';

export type GoogleLoginState =
  | { readonly phase: 'none' }
  | {
      readonly phase: 'started' | 'completed';
      readonly username: string;
      readonly serverName: string;
      readonly serverId: string;
      readonly expiresAt: string;
    };

export interface GoogleLoginStart {
  stateHash: string;
  username: string;
  serverName: string;
  serverId: string;
  expiresAt: string;
}

export type GoogleLoginCommand =
  | { type: 'StartGoogleLogin'; data: GoogleLoginStart }
  /** `now` is ISO-8601, from command metadata's clock: the decider stays pure. */
  | { type: 'CompleteGoogleLogin'; data: { stateHash: string; now: string } };

const invalid = (why: string): AppError =>
  new AppError('invalid_oauth_state', `Invalid login state: ${why}. Start the Google login again.`, {
    reason: why,
  });

/** One stream per state value: the expected stream version makes each state usable exactly once. */
export const googleLoginDecider: Decider<GoogleLoginState, GoogleLoginCommand> = {
  initialState: () => ({ phase: 'none' }),

  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'StartGoogleLogin':
        if (state.phase !== 'none')
          throw new AppError('concurrency_conflict', 'This login state already exists');
        return [{ type: 'GoogleLoginStarted', data: command.data }];
      case 'CompleteGoogleLogin': {
        assertUsable(state, command.data.now, invalid);
        return [
          {
            type: 'GoogleLoginCompleted',
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

  evolve(state, event): GoogleLoginState {
    if (event.type === 'GoogleLoginStarted') {
      const { username, serverName, serverId, expiresAt } = event.data;
      return { phase: 'started', username, serverName, serverId, expiresAt };
    }
    if (event.type === 'GoogleLoginCompleted' && state.phase !== 'none')
      return { ...state, phase: 'completed' };
    return state;
  },
};
