import { generateKeyPairSync, hkdfSync } from 'node:crypto';
import type { Middleware } from 'koa';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { CommandMetadata } from '../../commands/commandHandler.js';
import type { EventStore } from '../../events/eventStore.js';
import type { Logger } from '../../logger.js';
import type { Projector } from '../../projections/projector.js';
import { recordAdapterFactory } from './recordAdapter.js';
import { escapeHtml, MCP_SCOPE } from './pages.js';

export { MCP_SCOPE };

/** The scope an MCP client asks for; the only one the gateway as a resource server knows. */
export const INTERACTION_PATH = '/oauth/interaction';

export interface AuthServerOptions {
  /** The gateway's public base URL (PUBLIC_URL): the issuer, and the audience of every token. */
  readonly publicUrl: string;
  readonly store: EventStore;
  readonly projector: Projector;
  /** Key material (the login-link key, itself derived from the master key); sub-keys are derived from it. */
  readonly keyMaterial: Buffer;
  readonly metadata: () => CommandMetadata;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Access token lifetime in seconds (default 1 h). */
  readonly accessTokenTtl?: number;
  /** The ID-token signing key (a private JWK) shared by every instance; absent: one made for this process. */
  readonly signingKey?: Record<string, unknown>;
}

export interface AuthServer {
  readonly provider: Provider;
  readonly issuer: string;
  /** The one audience of the gateway's access tokens. */
  readonly audience: string;
  readonly sealKey: Buffer;
  /** Hands the authorization server's own endpoints to oidc-provider; everything else passes on. */
  readonly middleware: Middleware;
  /** HMAC key for CSRF tokens and federation state. */
  readonly formKey: Buffer;
}

export const deriveAuthKey = (material: Buffer, info: string): Buffer =>
  Buffer.from(hkdfSync('sha256', material, 'mcp-api', `authserver/${info}`, 32));

/** A fresh RSA private JWK for signing ID tokens. */
export function newSigningKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), use: 'sig' };
}

/** A resource indicator the gateway serves: its own base URL or anything below it. */
export function isGatewayResource(base: string, indicator: string): boolean {
  let url: URL;
  try {
    url = new URL(indicator);
  } catch {
    return false;
  }
  if (url.hash || url.search || url.username || url.password) return false;
  const b = new URL(base);
  return (
    url.origin === b.origin &&
    (url.pathname === '/' ||
      url.pathname === b.pathname ||
      url.pathname.startsWith(`${b.pathname.replace(/\/$/, '')}/`))
  );
}

const ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  end_session: '/oauth/logout',
  userinfo: '/oauth/userinfo',
  introspection: '/oauth/introspect',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
  credential: '/oauth/credential',
};

export const isAuthServerPath = (path: string): boolean =>
  path === '/.well-known/openid-configuration' ||
  path === '/.well-known/oauth-authorization-server' ||
  (path.startsWith('/oauth/') && !path.startsWith(`${INTERACTION_PATH}/`));

/**
 * The gateway's OAuth 2.1 authorization server (panva's oidc-provider): authorization code with
 * PKCE S256 only, dynamic registration and Client ID Metadata Documents for public clients, exact
 * redirect URIs, `iss` in authorization responses (RFC 9207), rotating refresh tokens,
 * revocation, and every access token bound to the gateway as audience (RFC 8707).
 */
export function createAuthServer(options: AuthServerOptions): AuthServer {
  const issuer = options.publicUrl.replace(/\/+$/, '');
  const audience = issuer;
  const sealKey = deriveAuthKey(options.keyMaterial, 'records');
  const formKey = deriveAuthKey(options.keyMaterial, 'forms');
  // ID tokens only (access tokens are opaque and checked against the store).
  const jwk = options.signingKey ?? newSigningKey();

  const configuration: Configuration = {
    adapter: recordAdapterFactory({
      store: options.store,
      projector: options.projector,
      sealKey,
      metadata: options.metadata,
      clock: options.clock,
    }),
    clients: [],
    jwks: { keys: [jwk] },
    cookies: {
      keys: [deriveAuthKey(options.keyMaterial, 'cookies').toString('base64url')],
      names: { interaction: 'mcpapi_interaction', resume: 'mcpapi_resume', session: 'mcpapi_session' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    routes: ROUTES,
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}` },
    pkce: { required: () => true },
    responseTypes: ['code'],
    // Clients (the MCP SDK among them) register with the scope from the resource metadata.
    scopes: ['openid', 'offline_access', MCP_SCOPE],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    // Public clients with PKCE get refresh tokens (rotated on every use) without asking for offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      RefreshToken: 14 * 24 * 3600,
      Grant: 30 * 24 * 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      // A client may revoke only its own tokens.
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: false },
      introspection: { enabled: false },
      clientIdMetadataDocument: { enabled: true, ack: 'draft-02' },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => `${issuer}/mcp`,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (!isGatewayResource(issuer, indicator)) throw new errors.InvalidTarget();
          return {
            scope: MCP_SCOPE,
            audience,
            accessTokenFormat: 'opaque',
            accessTokenTTL: options.accessTokenTtl ?? 3600,
          };
        },
      },
    },
    renderError: async (ctx: KoaContextWithOIDC, out) => {
      ctx.type = 'html';
      ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
      ctx.body =
        `<!DOCTYPE html><title>Sign-in error</title><h1>Sign-in ` +
        `failed</h1><p>${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p>`;
    },
  };

  const provider = new Provider(issuer, configuration);
  provider.proxy = true;
  const logger = options.logger.child({ component: 'authserver' });
  provider.on('server_error', (_ctx, error) => logger.error('authorization server error', { error }));
  const callback = provider.callback();

  const middleware: Middleware = async (ctx, next) => {
    if (!isAuthServerPath(ctx.path)) return next();
    ctx.respond = false;
    await callback(ctx.req, ctx.res);
  };
  return { provider, issuer, audience, sealKey, formKey, middleware };
}
