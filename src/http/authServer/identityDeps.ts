import type { AuthServer } from './authServer.js';
import type { Federation } from './federation.js';

/** The gateway as an OAuth authorization server, and who signs in (AppDeps.identity). */
export interface IdentityDeps {
  readonly authServer: AuthServer;
  readonly federation?: Federation;
  /** `<PUBLIC_URL>/auth/oidc/callback`. */
  readonly federationRedirectUri: string;
}
