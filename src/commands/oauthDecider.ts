import { AppError } from '../errors.js';
import type { DomainEvent } from '../events/domainEvents.js';
import type { OAuthTokensStoredData } from '../events/oauthEvents.js';
import type { Sealed } from '../events/secretEvents.js';
import type { Decider } from './decider.js';

/** The current grant of one (server registration, user); secret fields stay sealed. */
export interface OAuthRecord {
  readonly tokenType: string;
  readonly accessToken: Sealed;
  readonly refreshToken?: Sealed | undefined;
  readonly expiresAt?: string | undefined;
  readonly scopes?: string[] | undefined;
  readonly clientId?: string | undefined;
  readonly clientSecret?: Sealed | undefined;
  readonly redirectUri?: string | undefined;
  readonly codeVerifier?: Sealed | undefined;
}

export interface OAuthState {
  readonly record?: OAuthRecord | undefined;
  /** Counts OAuthTokensStored: a refresh is always decided against the generation it saw expire. */
  readonly generation: number;
  readonly claim?: { readonly claimId: string; readonly leaseUntil: string } | undefined;
  /** The grant is dead (refresh refused); only new tokens from the OAuth flow revive it. */
  readonly reauthRequired: boolean;
}

interface Ref {
  serverId: string;
  serverName: string;
  username: string;
}

type TokenFields = Omit<OAuthTokensStoredData, 'serverId' | 'serverName' | 'username' | 'source' | 'claimId'>;

export type OAuthCommand =
  | { type: 'StoreTokens'; data: Ref & TokenFields }
  /** `now`/`leaseUntil` are ISO times from the caller: deciders have no clock. */
  | {
      type: 'ClaimRefresh';
      data: Ref & { claimId: string; basedOn: number; now: string; leaseUntil: string };
    }
  | {
      type: 'CompleteRefresh';
      data: Ref & {
        claimId: string;
        basedOn: number;
        tokens: Pick<TokenFields, 'tokenType' | 'accessToken' | 'refreshToken' | 'expiresAt' | 'scopes'>;
      };
    }
  | { type: 'DeleteTokens'; data: Ref }
  | {
      type: 'FailRefresh';
      data: Ref & { claimId: string; basedOn: number; reauthRequired: boolean; reason: string };
    };

const ref = (d: Ref): Ref => ({ serverId: d.serverId, serverName: d.serverName, username: d.username });

/** Shared by the decider and the read model, so both see the same grant. */
export function evolveOAuth(state: OAuthState, event: DomainEvent): OAuthState {
  switch (event.type) {
    case 'OAuthTokensStored': {
      const d = event.data;
      const kept = d.source === 'refresh' ? state.record : undefined;
      const record: OAuthRecord = {
        tokenType: d.tokenType,
        accessToken: d.accessToken,
        refreshToken: d.refreshToken,
        expiresAt: d.expiresAt,
        scopes: d.scopes ?? (d.source === 'refresh' ? kept?.scopes : undefined),
        clientId: d.source === 'refresh' ? kept?.clientId : d.clientId,
        clientSecret: d.source === 'refresh' ? kept?.clientSecret : d.clientSecret,
        redirectUri: d.source === 'refresh' ? kept?.redirectUri : d.redirectUri,
        codeVerifier: d.source === 'refresh' ? kept?.codeVerifier : d.codeVerifier,
      };
      return { record, generation: state.generation + 1, claim: undefined, reauthRequired: false };
    }
    case 'OAuthTokensDeleted':
      // The generation keeps counting: a refresh that started before the delete cannot complete after it.
      return { generation: state.generation + 1, reauthRequired: false };
    case 'OAuthRefreshStarted':
      return { ...state, claim: { claimId: event.data.claimId, leaseUntil: event.data.leaseUntil } };
    case 'OAuthRefreshFailed':
      return {
        ...state,
        claim: undefined,
        reauthRequired: state.reauthRequired || event.data.reauthRequired,
      };
    default:
      return state;
  }
}

export const initialOAuthState = (): OAuthState => ({ generation: 0, reauthRequired: false });

export const oauthDecider: Decider<OAuthState, OAuthCommand> = {
  initialState: initialOAuthState,

  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'StoreTokens': {
        const { serverId, serverName, username, ...fields } = command.data;
        return [
          { type: 'OAuthTokensStored', data: { serverId, serverName, username, source: 'api', ...fields } },
        ];
      }
      case 'ClaimRefresh': {
        const d = command.data;
        // Someone already replaced the tokens this caller saw expire: it should use those instead.
        if (state.generation !== d.basedOn || state.reauthRequired || !state.record?.refreshToken) return [];
        if (state.claim && Date.parse(state.claim.leaseUntil) > Date.parse(d.now)) return [];
        return [
          { type: 'OAuthRefreshStarted', data: { ...ref(d), claimId: d.claimId, leaseUntil: d.leaseUntil } },
        ];
      }
      case 'CompleteRefresh': {
        const d = command.data;
        if (state.generation !== d.basedOn) {
          throw new AppError(
            'concurrency_conflict',
            `OAuth tokens of user ${d.username} on server ${d.serverName} were replaced during the refresh`,
          );
        }
        return [
          {
            type: 'OAuthTokensStored',
            data: { ...ref(d), source: 'refresh', claimId: d.claimId, ...d.tokens },
          },
        ];
      }
      case 'DeleteTokens':
        return state.record ? [{ type: 'OAuthTokensDeleted', data: ref(command.data) }] : [];
      case 'FailRefresh': {
        const d = command.data;
        if (state.generation !== d.basedOn) return [];
        return [
          {
            type: 'OAuthRefreshFailed',
            data: { ...ref(d), claimId: d.claimId, reauthRequired: d.reauthRequired, reason: d.reason },
          },
        ];
      }
    }
  },

  evolve: evolveOAuth,
};
