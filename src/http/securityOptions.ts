import type { Projector } from '../projections/projector.js';
import type { SecurityDeps } from './appDeps.js';
import { createAuthenticator } from './authenticator.js';
import { createLoginLinks } from './loginLinks.js';
import type { OriginPolicy } from './originGuard.js';
import { createRateLimiter } from './rateLimiter.js';
import { createAuthThrottle } from './authThrottle.js';
import type { Principal } from './principal.js';
import type { FederationSettings } from './authServer/federation.js';

/** What a gateway needs to know about authentication and limits; main.ts builds it from the config. */
export interface SecurityOptions {
  readonly auth: { readonly mode: 'token' | 'none'; readonly adminToken?: string };
  readonly origins: OriginPolicy;
  readonly limits: {
    readonly maxSecretsPerUser: number;
    readonly maxSecretValueBytes: number;
    /** 0 turns the per-user tool-call rate limit off. */
    readonly toolCallsPerMinute: number;
    readonly toolCallBurst: number;
    /** Secret and OAuth-token writes per user per minute (absent or 0: no limit), and their burst. */
    readonly secretWritesPerMinute?: number;
    readonly secretWriteBurst?: number;
    /** Failed authentications per source per minute (sustained) and at once; absent or 0: not throttled. */
    readonly authFailuresPerMinute?: number;
    readonly authFailureBurst?: number;
  };
  readonly google: { readonly credentials?: Record<string, unknown>; readonly loginTtlMs: number };
  readonly publicUrl?: string;
  /** HMAC key for login links; derived from the master key so every instance accepts every link. */
  readonly linkKey: Buffer;
  /**
   * The gateway's own OAuth authorization server (issue 13); needs publicUrl (its issuer and the
   * tokens' audience). `federation`: the identity provider users sign in with (OIDC_*).
   */
  readonly authServer?: {
    readonly federation?: Omit<FederationSettings, 'redirectUri'>;
    readonly accessTokenTtl?: number;
  };
}

export function securityDeps(
  options: SecurityOptions,
  projector: Projector,
  clock: () => Date,
  oauth?: (token: string) => Principal | undefined,
): SecurityDeps {
  return {
    authenticator: createAuthenticator({
      ...options.auth,
      tokens: () => projector.readModels.tokens,
      clock,
      ...(oauth ? { oauth } : {}),
    }),
    links: createLoginLinks(options.linkKey, clock, options.google.loginTtlMs),
    origins: options.origins,
    ...(options.limits.authFailuresPerMinute
      ? {
          authFailures: createAuthThrottle({
            perMinute: options.limits.authFailuresPerMinute,
            burst: options.limits.authFailureBurst ?? 20,
            clock,
          }),
        }
      : {}),
    toolCalls: createRateLimiter({
      perMinute: options.limits.toolCallsPerMinute,
      burst: options.limits.toolCallBurst,
      clock,
    }),
    secretWrites: createRateLimiter({
      perMinute: options.limits.secretWritesPerMinute ?? 0,
      burst: options.limits.secretWriteBurst ?? 1,
      clock,
    }),
    maxSecretsPerUser: options.limits.maxSecretsPerUser,
    maxSecretValueBytes: options.limits.maxSecretValueBytes,
    googleLoginTtlMs: options.google.loginTtlMs,
    googleConfigured: options.google.credentials !== undefined,
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
  };
}
