import { createHash, createHmac, hkdfSync } from 'node:crypto';
import * as oidc from 'openid-client';
import { USERNAME } from '../../events/secretEvents.js';
import { GROUP } from '../../events/identityEvents.js';
import { AppError } from '../../errors.js';

/** The external OpenID Connect provider users sign in with (OIDC_* settings). */
export interface FederationSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly usernameClaim: string;
  readonly groupsClaim: string;
  /** `<PUBLIC_URL>/auth/oidc/callback`. */
  readonly redirectUri: string;
  readonly scope?: string;
}

export interface FederatedIdentity {
  readonly username: string;
  readonly groups: string[];
  /** SHA-256 of "issuer sub": which account, without naming it. */
  readonly subjectHash: string;
  /** Groups in the claim that cannot be group names here (dropped). */
  readonly dropped: number;
}

export interface Federation {
  readonly issuer: string;
  /** Where to send the browser to sign in for this interaction. */
  start(uid: string): Promise<URL>;
  /** The interaction a callback's `state` belongs to, if the state is one we made. */
  interactionOf(state: string): string | undefined;
  /** Completes the code exchange (PKCE, state, nonce, ID token checks) and maps the claims. */
  finish(uid: string, callbackUrl: URL): Promise<FederatedIdentity>;
}

const isLoopback = (url: URL): boolean => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

/**
 * Sign-in through the configured identity provider with openid-client: authorization code + PKCE,
 * state and nonce derived from the interaction (so nothing is stored between the two legs) and
 * bound to it by an HMAC, so a callback cannot be steered into another user's interaction.
 */
export function createFederation(settings: FederationSettings, key: Buffer): Federation {
  let config: Promise<oidc.Configuration> | undefined;
  const configuration = (): Promise<oidc.Configuration> => {
    const issuer = new URL(settings.issuer);
    // Plain http only to a provider on this machine (development, tests).
    const options =
      issuer.protocol === 'http:' && isLoopback(issuer)
        ? { execute: [oidc.allowInsecureRequests] }
        : undefined;
    config ??= oidc
      .discovery(
        issuer,
        settings.clientId,
        undefined,
        settings.clientSecret ? oidc.ClientSecretPost(settings.clientSecret) : oidc.None(),
        options,
      )
      .catch((e: unknown) => {
        config = undefined;
        throw new AppError(
          'upstream_error',
          `The identity provider's metadata could not be read: ${e instanceof Error ? e.message : String(e)}`,
        );
      });
    return config;
  };
  const derived = (uid: string, what: string): string =>
    Buffer.from(hkdfSync('sha256', key, uid, `federation/${what}`, 32)).toString('base64url');
  const mac = (uid: string): string => createHmac('sha256', key).update(`state:${uid}`).digest('base64url');

  return {
    issuer: settings.issuer,
    async start(uid) {
      const config = await configuration();
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: settings.scope ?? 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(derived(uid, 'verifier')),
        code_challenge_method: 'S256',
        state: `${uid}.${mac(uid)}`,
        nonce: derived(uid, 'nonce'),
      });
    },
    interactionOf(state) {
      const [uid, tag] = state.split('.');
      return uid && tag && /^[A-Za-z0-9_-]{1,128}$/.test(uid) && tag === mac(uid) ? uid : undefined;
    },
    async finish(uid, callbackUrl) {
      const config = await configuration();
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: derived(uid, 'verifier'),
        expectedState: `${uid}.${mac(uid)}`,
        expectedNonce: derived(uid, 'nonce'),
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new AppError('unauthorized', 'The identity provider returned no ID token');
      return mapClaims(settings, claims as Record<string, unknown>);
    },
  };
}

export function mapClaims(
  settings: Pick<FederationSettings, 'issuer' | 'usernameClaim' | 'groupsClaim'>,
  claims: Record<string, unknown>,
): FederatedIdentity {
  const raw = claims[settings.usernameClaim];
  if (typeof raw !== 'string' || !USERNAME.test(raw)) {
    throw new AppError(
      'forbidden',
      `The identity provider's ${settings.usernameClaim} claim is missing or not a valid username`,
    );
  }
  if (settings.usernameClaim === 'email' && claims.email_verified === false)
    throw new AppError('forbidden', 'The email address is not verified at the identity provider');
  const groupsRaw = claims[settings.groupsClaim];
  const all = Array.isArray(groupsRaw)
    ? groupsRaw.filter((g): g is string => typeof g === 'string')
    : typeof groupsRaw === 'string'
      ? [groupsRaw]
      : [];
  const groups = all.filter((g) => GROUP.test(g));
  const subjectHash = createHash('sha256')
    .update(`${settings.issuer} ${String(claims.sub)}`)
    .digest('hex');
  return { username: raw, groups, subjectHash, dropped: all.length - groups.length };
}
