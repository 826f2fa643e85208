import { handleCommand, type CommandMetadata } from '../../../commands/commandHandler.js';
import { oauthDecider, type OAuthRecord, type OAuthState } from '../../../commands/oauthDecider.js';
import type { SecretBox } from '../../../crypto/secretBox.js';
import { AppError, isAppError } from '../../../errors.js';
import type { EventStore } from '../../../events/eventStore.js';
import { oauthSecretName, oauthStreamId, type OAuthSecretField } from '../../../events/oauthEvents.js';
import type { Sealed } from '../../../events/secretEvents.js';
import type { Logger } from '../../../logger.js';
import { oauthFor } from '../../../projections/oauthProjection.js';
import type { ReadModels } from '../../../projections/readModels.js';
import { RefreshFailure, type OAuthExchange } from './oauthExchange.js';

export interface OAuthTarget {
  readonly serverId: string;
  readonly serverName: string;
  readonly url: string;
}

export interface OAuthTokenServiceOptions {
  readonly store: EventStore;
  readonly readModels: () => ReadModels;
  readonly secretBox: SecretBox;
  readonly exchange: OAuthExchange;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly logger: Logger;
  /** Refresh this long before the access token expires (default 30 s). */
  readonly refreshSkewMs?: number;
  /** How long a refresh claim holds off other instances (default 30 s; above the token request deadline). */
  readonly leaseMs?: number;
}

export const reauthRequired = (target: OAuthTarget, username: string, why: string): AppError =>
  new AppError(
    'reauth_required',
    `OAuth authorization of user ${username} for server ${target.serverName} is not usable (${why}); ` +
      `re-run the OAuth flow and POST the new tokens to /mcp/servers/${target.serverName}/oauth`,
    { serverName: target.serverName, username },
  );

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Supplies access tokens for (server registration, user) from the read model, decrypting only
 * when a request needs one. Refreshes before expiry and after a 401, single-flight in process, and
 * across instances through a claim appended with the stream's expected version: the instance that
 * loses the claim waits for the winner's OAuthTokensStored instead of spending the rotating
 * refresh token again. New tokens are persisted before anyone uses them.
 */
export class OAuthTokenService {
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly skewMs: number;
  private readonly leaseMs: number;

  constructor(private readonly o: OAuthTokenServiceOptions) {
    this.skewMs = o.refreshSkewMs ?? 30_000;
    this.leaseMs = o.leaseMs ?? 30_000;
  }

  /** The grant state, or undefined when this user never stored tokens for this server. */
  state(serverId: string, username: string): OAuthState | undefined {
    return oauthFor(this.o.readModels().oauth, serverId, username);
  }

  /** A usable access token, refreshed first if it is (about to be) expired; undefined without tokens. */
  async accessToken(target: OAuthTarget, username: string): Promise<string | undefined> {
    const state = this.state(target.serverId, username);
    if (!state?.record) return undefined;
    if (state.reauthRequired)
      throw reauthRequired(target, username, 'the authorization server refused the last refresh');
    if (!this.expiring(state.record))
      return this.open(target, username, state.record.accessToken, 'accessToken');
    return this.refresh(target, username, state.generation);
  }

  /** After the server answered 401 to `rejected`: a newer token if there is one, else a refreshed one. */
  async afterRejection(target: OAuthTarget, username: string, rejected: string): Promise<string> {
    const state = this.state(target.serverId, username);
    if (!state?.record) throw reauthRequired(target, username, 'no tokens are stored');
    if (state.reauthRequired)
      throw reauthRequired(target, username, 'the authorization server refused the last refresh');
    const current = this.open(target, username, state.record.accessToken, 'accessToken');
    if (current !== rejected) return current;
    return this.refresh(target, username, state.generation);
  }

  private expiring(record: OAuthRecord): boolean {
    if (!record.expiresAt) return false;
    return this.o.clock().getTime() >= Date.parse(record.expiresAt) - this.skewMs;
  }

  private refresh(target: OAuthTarget, username: string, basedOn: number): Promise<string> {
    const key = `${target.serverId}\u0000${username}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.claimAndRefresh(target, username, basedOn).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async claimAndRefresh(target: OAuthTarget, username: string, basedOn: number): Promise<string> {
    const stream = oauthStreamId(target.serverId, username);
    const ref = { serverId: target.serverId, serverName: target.serverName, username };
    const waitUntil = Date.now() + this.leaseMs * 2;
    let based = basedOn;
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      const claimId = this.o.newId();
      const now = this.o.clock();
      const leaseUntil = new Date(now.getTime() + this.leaseMs).toISOString();
      const command = {
        type: 'ClaimRefresh' as const,
        data: { ...ref, claimId, basedOn: based, now: now.toISOString(), leaseUntil },
      };
      const { state } = await handleCommand(this.o.store, stream, oauthDecider, command, this.meta());
      if (!state.record) throw reauthRequired(target, username, 'no tokens are stored');
      if (state.reauthRequired)
        throw reauthRequired(target, username, 'the authorization server refused the last refresh');
      if (state.generation !== based) {
        // Another instance (or a new grant) replaced the tokens: use those unless they expire too.
        if (!this.expiring(state.record))
          return this.open(target, username, state.record.accessToken, 'accessToken');
        based = state.generation;
        continue;
      }
      if (!state.record.refreshToken)
        throw reauthRequired(target, username, 'the access token expired and there is no refresh token');
      if (state.claim?.claimId === claimId)
        return this.exchange(target, username, state.record, claimId, based);
      if (Date.now() > waitUntil) {
        throw new AppError(
          'upstream_timeout',
          `Another gateway instance is refreshing the OAuth token of user ${username} for server ` +
            `${target.serverName} and has not finished`,
          {
            serverName: target.serverName,
          },
        );
      }
      await sleep(pause);
    }
  }

  private async exchange(
    target: OAuthTarget,
    username: string,
    record: OAuthRecord,
    claimId: string,
    basedOn: number,
  ): Promise<string> {
    const stream = oauthStreamId(target.serverId, username);
    const ref = { serverId: target.serverId, serverName: target.serverName, username };
    const refreshToken = this.open(target, username, record.refreshToken as Sealed, 'refreshToken');
    const clientSecret = record.clientSecret
      ? this.open(target, username, record.clientSecret, 'clientSecret')
      : undefined;
    const fail = async (reason: string, permanent: boolean): Promise<AppError> => {
      const clean = scrub(reason, [refreshToken, clientSecret]);
      this.o.logger.warn('oauth refresh failed', {
        serverName: target.serverName,
        username,
        permanent,
        reason: clean,
      });
      const command = {
        type: 'FailRefresh' as const,
        data: { ...ref, claimId, basedOn, reauthRequired: permanent, reason: clean },
      };
      await handleCommand(this.o.store, stream, oauthDecider, command, this.meta()).catch((e: unknown) =>
        this.o.logger.error('recording the failed refresh failed', {
          serverName: target.serverName,
          username,
          error: e,
        }),
      );
      if (permanent) return reauthRequired(target, username, `refresh refused: ${clean}`);
      return new AppError(
        'upstream_error',
        `Refreshing the OAuth token of user ${username} for server ${target.serverName} failed: ${clean}`,
        {
          serverName: target.serverName,
        },
      );
    };
    if (!record.clientId) throw await fail('no clientId is stored, so the token cannot be refreshed', true);
    let tokens;
    try {
      tokens = await this.o.exchange.refresh({
        serverUrl: target.url,
        refreshToken,
        clientId: record.clientId,
        clientSecret,
      });
    } catch (error) {
      const failure = error instanceof RefreshFailure ? error : new RefreshFailure(String(error), false);
      throw await fail(failure.message, failure.permanent);
    }
    const now = this.o.clock().getTime();
    await this.o.secretBox.prepare(username);
    const seal = (value: string, field: OAuthSecretField): Sealed =>
      this.o.secretBox.seal(value, {
        username,
        serverName: target.serverName,
        secretName: oauthSecretName(field),
      });
    const stored = {
      tokenType: tokens.tokenType,
      accessToken: seal(tokens.accessToken, 'accessToken'),
      refreshToken: tokens.refreshToken ? seal(tokens.refreshToken, 'refreshToken') : record.refreshToken,
      ...(tokens.expiresIn === undefined
        ? {}
        : { expiresAt: new Date(now + tokens.expiresIn * 1000).toISOString() }),
      ...(tokens.scope ? { scopes: tokens.scope.split(' ').filter(Boolean) } : {}),
    };
    try {
      // Persisted before use: if this append fails, nobody ever sends the new token.
      await handleCommand(
        this.o.store,
        stream,
        oauthDecider,
        { type: 'CompleteRefresh', data: { ...ref, claimId, basedOn, tokens: stored } },
        this.meta(),
      );
    } catch (error) {
      if (isAppError(error) && error.code === 'concurrency_conflict')
        return this.claimAndRefresh(target, username, basedOn);
      throw error;
    }
    this.o.logger.info('oauth token refreshed', { serverName: target.serverName, username });
    return tokens.accessToken;
  }

  private open(target: OAuthTarget, username: string, sealed: Sealed, field: OAuthSecretField): string {
    try {
      return this.o.secretBox.open(sealed, {
        username,
        serverName: target.serverName,
        secretName: oauthSecretName(field),
      });
    } catch {
      throw new AppError(
        'secret_undecryptable',
        `Stored OAuth ${field} of user ${username} for server ${target.serverName} cannot be decrypted; store the ` +
          `tokens again`,
        {
          serverName: target.serverName,
        },
      );
    }
  }

  private meta(): CommandMetadata {
    return { now: this.o.clock(), newId: this.o.newId, actor: 'gateway' };
  }
}

/** An authorization server's error text must not carry our own credentials into an event or a log. */
function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
