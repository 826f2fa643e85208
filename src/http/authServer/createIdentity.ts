import type { EventStore } from '../../events/eventStore.js';
import type { Logger } from '../../logger.js';
import type { Projector } from '../../projections/projector.js';
import type { Principal } from '../principal.js';
import type { SecurityOptions } from '../securityOptions.js';
import { createAccessTokenCheck } from './accessTokenCheck.js';
import type { IdentityDeps } from './identityDeps.js';

export interface IdentityOptions {
  readonly security: SecurityOptions;
  readonly store: EventStore;
  readonly projector: Projector;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly logger: Logger;
}

/**
 * The gateway's authorization server and sign-in, when configured (authServer + publicUrl with
 * token auth), and what the authenticator needs to accept its access tokens.
 */
export async function createIdentity(
  options: IdentityOptions,
): Promise<{ deps: IdentityDeps; principalFor: (token: string) => Principal | undefined } | undefined> {
  const { security } = options;
  if (!security.authServer || security.publicUrl === undefined || security.auth.mode !== 'token')
    return undefined;
  // Loaded only when configured: a gateway without it never loads oidc-provider or openid-client.
  const { createAuthServer, deriveAuthKey, newSigningKey } = await import('./authServer.js');
  const { createFederation } = await import('./federation.js');
  const { sharedSigningKey } = await import('./recordAdapter.js');
  const metadata = () => ({ now: options.clock(), newId: options.newId, actor: 'authserver' });
  const signingKey = await sharedSigningKey(
    {
      store: options.store,
      sealKey: deriveAuthKey(security.linkKey, 'records'),
      clock: options.clock,
      metadata,
    },
    newSigningKey,
  );
  const authServer = createAuthServer({
    signingKey,
    publicUrl: security.publicUrl,
    store: options.store,
    projector: options.projector,
    keyMaterial: security.linkKey,
    metadata,
    clock: options.clock,
    logger: options.logger,
    ...(security.authServer.accessTokenTtl ? { accessTokenTtl: security.authServer.accessTokenTtl } : {}),
  });
  const federationRedirectUri = `${authServer.issuer}/auth/oidc/callback`;
  const federation = security.authServer.federation
    ? createFederation(
        { ...security.authServer.federation, redirectUri: federationRedirectUri },
        authServer.formKey,
      )
    : undefined;
  const check = createAccessTokenCheck({
    projector: options.projector,
    sealKey: authServer.sealKey,
    clock: options.clock,
    audience: authServer.audience,
  });
  return {
    deps: { authServer, federationRedirectUri, ...(federation ? { federation } : {}) },
    principalFor: (token) => {
      const caller = check(token);
      return caller
        ? { kind: 'user', username: caller.username, tokenId: `oauth:${caller.grantId}` }
        : undefined;
    },
  };
}
