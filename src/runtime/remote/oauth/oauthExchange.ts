import {
  discoverOAuthServerInfo,
  OAuthError,
  OAuthErrorCode,
  refreshAuthorization,
  type AuthorizationServerMetadata,
  type FetchLike,
} from '@modelcontextprotocol/client';

/** What a refresh needs, in clear, for the one moment of the token request. */
export interface RefreshInput {
  readonly serverUrl: string;
  readonly refreshToken: string;
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
}

export interface RefreshedTokens {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly refreshToken?: string | undefined;
  readonly expiresIn?: number | undefined;
  readonly scope?: string | undefined;
}

/** Why a refresh failed; `permanent` when the grant or client is refused, not a passing outage. */
export class RefreshFailure extends Error {
  constructor(message: string, readonly permanent: boolean) {
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

  constructor(private readonly fetch: FetchLike, private readonly timeoutMs: number) {}

  async refresh(input: RefreshInput): Promise<RefreshedTokens> {
    const fetchFn = this.timed();
    let discovery: Discovery;
    try {
      discovery = await this.discover(input.serverUrl, fetchFn);
    } catch (error) {
      throw new RefreshFailure(`authorization server discovery failed: ${describe(error)}`, false);
    }
    try {
      const tokens = await refreshAuthorization(discovery.authorizationServerUrl, {
        metadata: discovery.metadata,
        clientInformation: { client_id: input.clientId, ...(input.clientSecret ? { client_secret: input.clientSecret } : {}) },
        refreshToken: input.refreshToken,
        ...(discovery.resource ? { resource: new URL(discovery.resource) } : {}),
        fetchFn,
      });
      return {
        accessToken: tokens.access_token,
        tokenType: tokens.token_type || 'Bearer',
        refreshToken: tokens.refresh_token,
        expiresIn: tokens.expires_in,
        scope: tokens.scope,
      };
    } catch (error) {
      // A changed authorization server must not keep us on stale metadata.
      this.discoveries.delete(input.serverUrl);
      const oauth = OAuthError.isInstance(error) ? error : undefined;
      const transient = !oauth || oauth.code === OAuthErrorCode.ServerError || oauth.code === OAuthErrorCode.TemporarilyUnavailable;
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

  private timed(): FetchLike {
    return (url, init = {}) => {
      const deadline = AbortSignal.timeout(this.timeoutMs);
      return this.fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
    };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? ` (${cause.message})` : '';
    return `${error.message || error.name}${detail}`.slice(0, 300);
  }
  return String(error).slice(0, 300);
}
