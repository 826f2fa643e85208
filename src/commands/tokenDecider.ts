import { AppError } from '../errors.js';
import type { DomainEvent } from '../events/domainEvents.js';
import type { TokenIssuedData } from '../events/tokenEvents.js';
import type { Decider } from './decider.js';

export type TokenState =
  | { readonly exists: false }
  | { readonly exists: true; readonly tokenId: string; readonly username: string; readonly revoked: boolean };

export type TokenCommand =
  { type: 'IssueToken'; data: TokenIssuedData } | { type: 'RevokeToken'; data: { tokenId: string } };

export const tokenDecider: Decider<TokenState, TokenCommand> = {
  initialState: () => ({ exists: false }),

  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'IssueToken':
        // Ids are 128 random bits; a collision means a bug or a replayed command, never a new token.
        if (state.exists)
          throw new AppError('concurrency_conflict', `Token ${command.data.tokenId} already exists`);
        return [{ type: 'TokenIssued', data: command.data }];
      case 'RevokeToken':
        if (!state.exists)
          throw new AppError('token_not_found', `Token ${command.data.tokenId} not found`, {
            tokenId: command.data.tokenId,
          });
        // Revoking twice is not an error: the caller's intent (the token no longer works) holds.
        return state.revoked
          ? []
          : [{ type: 'TokenRevoked', data: { tokenId: state.tokenId, username: state.username } }];
    }
  },

  evolve(state, event): TokenState {
    if (event.type === 'TokenIssued')
      return { exists: true, tokenId: event.data.tokenId, username: event.data.username, revoked: false };
    if (event.type === 'TokenRevoked' && state.exists) return { ...state, revoked: true };
    return state;
  },
};
