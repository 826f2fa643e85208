import {
  discoverOAuthServerInfo,
  OAuthError,
  OAuthErrorCode,
  refreshAuthorization,
  type AuthorizationServerMetadata,
  type FetchLike,
} from '@modelcontextprotocol/client';
import {
  describeOAuthError as describe,
  grantedTokens,
  withDeadline,
  type GrantedTokens,
} from './oauthHttp.js';

/** What a refresh needs, in clear, for the one moment of the token request. */
export interface RefreshInput {
  readonly serverUrl: string;
  readonly refreshToken: string;
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
}

/** Why a refresh failed; `permanent` when the grant or client is refused, not a passing outage. */
export class RefreshFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'RefreshFailure';
  }
}

interface Discovery {
  readonly authorizationServerUrl: string;
  readonly metadata?: AuthorizationServerMetadata | undefined;
  readonly resource?: string | undefined;
}

/**
 * Talks to the authorization server: RFC 9728 / RFC 8414 discovery from the MCP server URL
 * (cached per URL; the SDK falls back to `<origin>/token`), then the refresh_token grant with the
 * client authentication the metadata asks for. Every request goes through the gateway's safe
 * fetch, with a deadline.
 */
export class OAuthExchange {
  private readonly discoveries = new Map<string, Promise<Discovery>>();

  constructor(
    private readonly fetch: FetchLike,
    private readonly timeoutMs: number,
  ) {}

  async refresh(input: RefreshInput): Promise<GrantedTokens> {
    const fetchFn = withDeadline(this.fetch, this.timeoutMs);
    let discovery: Discovery;
    try {
      discovery = await this.discover(input.serverUrl, fetchFn);
    } catch (error) {
      throw new RefreshFailure(`authorization server discovery failed: ${describe(error)}`, false);
    }
    try {
      const tokens = await refreshAuthorization(discovery.authorizationServerUrl, {
        metadata: discovery.metadata,
        clientInformation: {
          client_id: input.clientId,
          ...(input.clientSecret ? { client_secret: input.clientSecret } : {}),
        },
        refreshToken: input.refreshToken,
        ...(discovery.resource ? { resource: new URL(discovery.resource) } : {}),
        fetchFn,
      });
      return grantedTokens(tokens);
    } catch (error) {
      // A changed authorization server must not keep us on stale metadata.
      this.discoveries.delete(input.serverUrl);
      const oauth = OAuthError.isInstance(error) ? error : undefined;
      const transient =
        !oauth ||
        oauth.code === OAuthErrorCode.ServerError ||
        oauth.code === OAuthErrorCode.TemporarilyUnavailable;
      const code = oauth ? `${oauth.code}: ` : '';
      throw new RefreshFailure(`${code}${describe(error)}`, !transient);
    }
  }

  private discover(serverUrl: string, fetchFn: FetchLike): Promise<Discovery> {
    let pending = this.discoveries.get(serverUrl);
    if (!pending) {
      pending = discoverOAuthServerInfo(serverUrl, { fetchFn }).then((info) => ({
        authorizationServerUrl: info.authorizationServerUrl,
        metadata: info.authorizationServerMetadata,
        resource: info.resourceMetadata?.resource,
      }));
      this.discoveries.set(serverUrl, pending);
      pending.catch(() => this.discoveries.delete(serverUrl));
    }
    return pending;
  }
}
