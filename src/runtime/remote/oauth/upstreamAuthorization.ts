import {
  discoverOAuthServerInfo,
  registerClient,
  type AuthorizationServerMetadata,
  type FetchLike,
} from '@modelcontextprotocol/client';
import * as oidc from 'openid-client';
import { AppError } from '../../../errors.js';
import {
  describeOAuthError as describe,
  grantedTokens,
  withDeadline,
  type GrantedTokens,
} from './oauthHttp.js';

/** A remote MCP server's authorization server, as discovered from the server's URL. */
export interface DiscoveredServer {
  readonly issuer: string;
  readonly metadata: AuthorizationServerMetadata;
  /** RFC 8707 resource indicator: the protected resource metadata's `resource`, else the server URL. */
  readonly resource: string;
  /** Scopes the resource says it supports (asked for as they are). */
  readonly scope?: string | undefined;
}

export interface UpstreamClient {
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
}

const isLoopback = (url: URL): boolean => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

/**
 * The gateway as an OAuth client of remote MCP servers' authorization servers. Discovery (RFC 9728
 * protected resource metadata, then RFC 8414 / OpenID metadata) and dynamic registration use the
 * MCP SDK; the authorization request and the code exchange use openid-client, which checks
 * `state`, the RFC 9207 `iss` response parameter and PKCE. Every request goes through the
 * gateway's SSRF-guarded fetch, with a deadline.
 */
export class UpstreamAuthorization {
  /** Every request to an authorization server, with the deadline. */
  private readonly timed: FetchLike;

  constructor(fetch: FetchLike, timeoutMs: number) {
    this.timed = withDeadline(fetch, timeoutMs);
  }

  async discover(serverUrl: string): Promise<DiscoveredServer> {
    let info;
    try {
      info = await discoverOAuthServerInfo(serverUrl, { fetchFn: this.timed });
    } catch (error) {
      throw new AppError('upstream_error', `Discovering the authorization server failed: ${describe(error)}`);
    }
    const metadata = info.authorizationServerMetadata;
    if (!metadata?.authorization_endpoint || !metadata.token_endpoint)
      throw new AppError(
        'upstream_error',
        `The authorization server ${info.authorizationServerUrl} publishes no usable metadata`,
      );
    if (!(metadata.code_challenge_methods_supported ?? []).includes('S256'))
      throw new AppError(
        'upstream_error',
        `The authorization server ${metadata.issuer} does not support PKCE S256`,
      );
    const resource = info.resourceMetadata?.resource ?? stripFragment(serverUrl);
    const scopes = info.resourceMetadata?.scopes_supported;
    return {
      issuer: metadata.issuer,
      metadata,
      resource,
      ...(scopes?.length ? { scope: scopes.join(' ') } : {}),
    };
  }

  /** RFC 7591 dynamic registration of the gateway as a public client with one redirect URI. */
  async register(server: DiscoveredServer, redirectUri: string): Promise<UpstreamClient> {
    if (!server.metadata.registration_endpoint)
      throw new AppError(
        'oauth_not_configured',
        `The authorization server ${server.issuer} offers neither dynamic registration nor Client ID Metadata ` +
          'Documents the gateway can use; configure a client id for this server',
      );
    try {
      const info = await registerClient(server.issuer, {
        metadata: server.metadata,
        clientMetadata: {
          client_name: 'mcp-api gateway',
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        },
        fetchFn: this.timed,
      });
      return {
        clientId: info.client_id,
        ...(info.client_secret ? { clientSecret: info.client_secret } : {}),
      };
    } catch (error) {
      throw new AppError('upstream_error', `Registering at ${server.issuer} failed: ${describe(error)}`);
    }
  }

  async authorizationUrl(
    server: DiscoveredServer,
    client: UpstreamClient,
    request: { redirectUri: string; state: string; codeVerifier: string },
  ): Promise<URL> {
    const config = this.configuration(server, client);
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: request.redirectUri,
      state: request.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(request.codeVerifier),
      code_challenge_method: 'S256',
      resource: server.resource,
      ...(server.scope ? { scope: server.scope } : {}),
    });
  }

  /** The code exchange; the callback URL carries code, state and (RFC 9207) iss, all checked. */
  async exchange(
    server: DiscoveredServer,
    client: UpstreamClient,
    callbackUrl: URL,
    checks: { state: string; codeVerifier: string },
  ): Promise<GrantedTokens> {
    const config = this.configuration(server, client);
    try {
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callbackUrl,
        { expectedState: checks.state, pkceCodeVerifier: checks.codeVerifier, idTokenExpected: false },
        { resource: server.resource },
      );
      return grantedTokens(tokens);
    } catch (error) {
      throw new AppError('upstream_error', `The authorization server refused the code: ${describe(error)}`);
    }
  }

  private configuration(server: DiscoveredServer, client: UpstreamClient): oidc.Configuration {
    const auth = client.clientSecret
      ? (server.metadata.token_endpoint_auth_methods_supported ?? []).includes('client_secret_basic')
        ? oidc.ClientSecretBasic(client.clientSecret)
        : oidc.ClientSecretPost(client.clientSecret)
      : oidc.None();
    const config = new oidc.Configuration(
      server.metadata as oidc.ServerMetadata,
      client.clientId,
      undefined,
      auth,
    );
    config[oidc.customFetch] = (url, options) => this.timed(url, options as RequestInit);
    // Plain http only to an authorization server on this machine (development, tests).
    if (new URL(server.issuer).protocol === 'http:' && isLoopback(new URL(server.issuer)))
      oidc.allowInsecureRequests(config);
    return config;
  }
}

const stripFragment = (url: string): string => {
  const u = new URL(url);
  u.hash = '';
  return u.href;
};
