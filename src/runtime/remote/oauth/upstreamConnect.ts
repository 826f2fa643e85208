import { createHash, randomBytes } from 'node:crypto';
import { handleCommand, type CommandMetadata } from '../../../commands/commandHandler.js';
import { oauthDecider } from '../../../commands/oauthDecider.js';
import { upstreamConnectDecider } from '../../../commands/upstreamConnectDecider.js';
import type { SecretBox } from '../../../crypto/secretBox.js';
import { AppError, notFound } from '../../../errors.js';
import type { EventStore } from '../../../events/eventStore.js';
import { oauthSecretName, oauthStreamId, type OAuthSecretField } from '../../../events/oauthEvents.js';
import type { Sealed } from '../../../events/secretEvents.js';
import { upstreamConnectStreamId } from '../../../events/upstreamConnectEvents.js';
import type { Logger } from '../../../logger.js';
import type { ReadModels } from '../../../projections/readModels.js';
import type { ServerView } from '../../../projections/serversProjection.js';
import type { UpstreamAuthorization } from './upstreamAuthorization.js';
import { UpstreamClients, type ConnectEndpoints } from './upstreamClients.js';

export type { ConnectEndpoints } from './upstreamClients.js';

export interface UpstreamConnectOptions {
  readonly store: EventStore;
  readonly readModels: () => ReadModels;
  readonly secretBox: SecretBox;
  readonly authorization: UpstreamAuthorization;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly logger: Logger;
  /** How long a started connection can be completed (default 10 min). */
  readonly ttlMs?: number;
}

export interface StartedConnection {
  readonly authorizationUrl: string;
  /** SHA-256 of the state: what the browser binding cookie is derived from. */
  readonly stateHash: string;
  readonly expiresAt: string;
}

export const stateHashOf = (state: string): string => createHash('sha256').update(state).digest('hex');

/**
 * "Connect your account": a user authorizes the gateway at a remote server's authorization server
 * (authorization code + PKCE S256 + RFC 8707 resource + RFC 9207 iss), and the tokens land in the
 * same per-user OAuth grant POST /mcp/servers/:name/oauth writes, so refresh and injection work
 * unchanged. The pending connection (state hash, sealed PKCE verifier, issuer) is an event: any
 * instance can complete it, once, before it expires.
 */
export class UpstreamConnect {
  private readonly ttlMs: number;
  /** The gateway's clients at the authorization servers (configured, or registered once per issuer). */
  readonly clients: UpstreamClients;

  constructor(private readonly o: UpstreamConnectOptions) {
    this.ttlMs = o.ttlMs ?? 600_000;
    this.clients = new UpstreamClients(o);
  }

  async start(username: string, serverName: string, endpoints: ConnectEndpoints): Promise<StartedConnection> {
    const view = this.remoteServer(serverName);
    const server = await this.o.authorization.discover(view.config.transport.url);
    const client = await this.clients.clientFor(server, endpoints);
    const state = randomBytes(32).toString('base64url');
    const codeVerifier = randomBytes(32).toString('base64url');
    const stateHash = stateHashOf(state);
    const expiresAt = new Date(this.o.clock().getTime() + this.ttlMs).toISOString();
    await this.o.secretBox.prepare(username);
    const sealedVerifier = this.o.secretBox.seal(codeVerifier, {
      username,
      serverName,
      secretName: oauthSecretName('codeVerifier'),
    });
    await handleCommand(
      this.o.store,
      upstreamConnectStreamId(stateHash),
      upstreamConnectDecider,
      {
        type: 'StartUpstreamConnect',
        data: {
          stateHash,
          username,
          serverName,
          serverId: view.serverId,
          issuer: server.issuer,
          clientId: client.clientId,
          resource: server.resource,
          codeVerifier: sealedVerifier,
          expiresAt,
        },
      },
      this.meta(username),
    );
    const url = await this.o.authorization.authorizationUrl(server, client, {
      redirectUri: endpoints.redirectUri,
      state,
      codeVerifier,
    });
    return { authorizationUrl: url.href, stateHash, expiresAt };
  }

  /**
   * Completes a connection from the callback URL. The state is consumed first, so it works once even
   * if the exchange fails; the tokens are stored only for the user and server that started it.
   */
  async complete(
    state: string,
    callbackUrl: URL,
    endpoints: ConnectEndpoints,
  ): Promise<{ username: string; serverName: string; position: number }> {
    const stateHash = stateHashOf(state);
    const done = await handleCommand(
      this.o.store,
      upstreamConnectStreamId(stateHash),
      upstreamConnectDecider,
      { type: 'CompleteUpstreamConnect', data: { stateHash, now: this.o.clock().toISOString() } },
      this.meta('upstream-callback'),
    );
    const pending = done.state;
    if (pending.phase === 'none') throw new AppError('internal_error', 'connection state vanished');
    const { username, serverName } = pending;
    const view = this.remoteServer(serverName);
    if (view.serverId !== pending.serverId) throw notFound(serverName);
    const server = await this.o.authorization.discover(view.config.transport.url);
    // The server may have moved to another authorization server since: its code is not for that one.
    if (server.issuer !== pending.issuer)
      throw new AppError(
        'upstream_error',
        `Server ${serverName} now names another authorization server; connect again`,
        {
          serverName,
        },
      );
    const client = await this.clients.clientFor(server, endpoints);
    if (client.clientId !== pending.clientId)
      throw new AppError('upstream_error', 'The gateway registered again meanwhile; connect again', {
        serverName,
      });
    const codeVerifier = this.o.secretBox.open(pending.codeVerifier, {
      username,
      serverName,
      secretName: oauthSecretName('codeVerifier'),
    });
    const tokens = await this.o.authorization.exchange(
      { ...server, resource: pending.resource ?? server.resource },
      client,
      callbackUrl,
      { state, codeVerifier },
    );
    await this.o.secretBox.prepare(username);
    const seal = (value: string, field: OAuthSecretField): Sealed =>
      this.o.secretBox.seal(value, { username, serverName, secretName: oauthSecretName(field) });
    const now = this.o.clock().getTime();
    const stored = await handleCommand(
      this.o.store,
      oauthStreamId(view.serverId, username),
      oauthDecider,
      {
        type: 'StoreTokens',
        data: {
          serverId: view.serverId,
          serverName,
          username,
          tokenType: tokens.tokenType,
          accessToken: seal(tokens.accessToken, 'accessToken'),
          ...(tokens.refreshToken ? { refreshToken: seal(tokens.refreshToken, 'refreshToken') } : {}),
          ...(tokens.expiresIn === undefined
            ? {}
            : { expiresAt: new Date(now + tokens.expiresIn * 1000).toISOString() }),
          ...(tokens.scope ? { scopes: tokens.scope.split(' ').filter(Boolean) } : {}),
          clientId: client.clientId,
          ...(client.clientSecret ? { clientSecret: seal(client.clientSecret, 'clientSecret') } : {}),
          redirectUri: endpoints.redirectUri,
        },
      },
      this.meta(username),
    );
    this.o.logger.info('account connected at a remote authorization server', { username, serverName });
    return { username, serverName, position: stored.position };
  }

  /** Forgets the user's tokens for the server (the authorization server keeps its grant until it expires). */
  async disconnect(username: string, serverName: string): Promise<{ removed: boolean; position: number }> {
    const view = this.remoteServer(serverName);
    const result = await handleCommand(
      this.o.store,
      oauthStreamId(view.serverId, username),
      oauthDecider,
      { type: 'DeleteTokens', data: { serverId: view.serverId, serverName, username } },
      this.meta(username),
    );
    if (result.events.length > 0) this.o.logger.info('account disconnected', { username, serverName });
    return { removed: result.events.length > 0, position: result.position };
  }

  private remoteServer(serverName: string): ServerView & {
    config: { transport: { transportType: 'streamable_http'; url: string } };
  } {
    const view = this.o.readModels().servers.get(serverName);
    if (!view) throw notFound(serverName);
    if (view.config.transport.transportType !== 'streamable_http')
      throw new AppError('invalid_request', `Server ${serverName} is not a remote (streamable_http) server`, {
        serverName,
      });
    return view as ServerView & { config: { transport: { transportType: 'streamable_http'; url: string } } };
  }

  private meta(actor: string): CommandMetadata {
    return { now: this.o.clock(), newId: this.o.newId, actor };
  }
}
