import type { DomainEvent } from '../events/domainEvents.js';

/** Token metadata, as GET /auth/tokens shows it, plus the hash the authenticator checks. */
export interface TokenView {
  readonly tokenId: string;
  readonly username: string;
  readonly label?: string;
  readonly expiresAt?: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  /** SHA-256 of the token (hex). Never shown by an endpoint. */
  readonly tokenHash: string;
}

export type TokensModel = Map<string, TokenView>;

export const initialTokens = (): TokensModel => new Map();

/** Deterministic fold, in place. A deleted user's tokens are revoked with the deletion. */
export function evolveTokens(model: TokensModel, event: DomainEvent, occurredAt: string): TokensModel {
  switch (event.type) {
    case 'TokenIssued': {
      const { tokenId, username, label, expiresAt, tokenHash } = event.data;
      model.set(tokenId, {
        tokenId,
        username,
        ...(label === undefined ? {} : { label }),
        ...(expiresAt === undefined ? {} : { expiresAt }),
        createdAt: occurredAt,
        tokenHash,
      });
      return model;
    }
    case 'TokenRevoked': {
      const token = model.get(event.data.tokenId);
      if (token && token.revokedAt === undefined)
        model.set(token.tokenId, { ...token, revokedAt: occurredAt });
      return model;
    }
    case 'UserDeleted':
      for (const token of model.values()) {
        if (token.username === event.data.username && token.revokedAt === undefined)
          model.set(token.tokenId, { ...token, revokedAt: occurredAt });
      }
      return model;
    default:
      return model;
  }
}
