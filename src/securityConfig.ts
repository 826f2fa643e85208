import * as z from 'zod';

/** Empty strings (common in .env files) count as unset. */
const opt = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const int = (min: number, max: number, fallback: number) =>
  opt(z.coerce.number().int().min(min).max(max).default(fallback));
const list = opt(
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.length > 0),
    )
    .optional(),
);

/** The Google client JSON (downloaded from the Cloud console): a "web" or "installed" client. */
const GoogleClient = z
  .object({ client_id: z.string().min(1), client_secret: z.string().min(1).optional() })
  .passthrough();
export const GoogleCredentialsSchema = z.union([
  z.object({ web: GoogleClient }).passthrough(),
  z.object({ installed: GoogleClient }).passthrough(),
]);
export type GoogleCredentials = Record<string, unknown>;

const googleCredentials = opt(
  z
    .string()
    .transform((text, ctx): GoogleCredentials => {
      // Messages never quote the value: it holds the client secret.
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'must be the client JSON downloaded from Google, on one line',
        });
        return z.NEVER;
      }
      if (!GoogleCredentialsSchema.safeParse(parsed).success) {
        ctx.addIssue({ code: 'custom', message: 'must hold a "web" or "installed" client with a client_id' });
        return z.NEVER;
      }
      return parsed as GoogleCredentials;
    })
    .optional(),
);

/** A token made of one shorter pattern repeated ("abcdabcdabcd...") is far weaker than its length says. */
export function isPeriodic(token: string): boolean {
  for (let period = 1; period <= token.length / 2; period++) {
    let repeats = true;
    for (let i = period; i < token.length && repeats; i++) repeats = token[i] === token[i - period];
    if (repeats) return true;
  }
  return false;
}

/** Shannon entropy of the token's character distribution times its length: an upper bound on its strength. */
export function estimatedBits(token: string): number {
  const counts = new Map<string, number>();
  for (const c of token) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / token.length) * Math.log2(n / token.length);
  return perChar * token.length;
}

/** Authentication, authorization, limits and the Google flow; spread into ConfigSchema. */
export const SECURITY_CONFIG = {
  /** `token` (default): bearer tokens on every route but health. `none`: no authentication (trusted networks only). */
  AUTH: opt(z.enum(['token', 'none']).default('token')),
  ADMIN_TOKEN: opt(
    z
      .string()
      .min(32, 'must be at least 32 characters')
      .refine((t) => new Set(t).size >= 10, 'must have at least 10 distinct characters')
      .refine((t) => /^[\x21-\x7e]+$/.test(t), 'must be printable ASCII without spaces')
      .refine((t) => !isPeriodic(t), 'must not repeat a shorter pattern')
      .refine(
        (t) => estimatedBits(t) >= 128,
        'is too predictable (use a random value, e.g. openssl rand -base64 32)',
      )
      .optional(),
  ),
  /** Host header names accepted (port ignored); `*` accepts any. Default: loopback names when HOST is loopback. */
  ALLOWED_HOSTS: list,
  /** Origins (scheme://host[:port]) browsers may call from; `*` accepts any. Default: none. */
  ALLOWED_ORIGINS: list,
  /** How clients reach the gateway (for login links); default: the request's own origin. */
  PUBLIC_URL: opt(z.string().url('must be an absolute URL such as https://mcp.example.com').optional()),
  GOOGLE_OAUTH_CREDENTIALS: googleCredentials,
  GOOGLE_LOGIN_TTL_MS: int(10_000, 3_600_000, 600_000),
  MAX_SECRETS_PER_USER: int(1, 1_000_000, 500),
  MAX_SECRET_VALUE_BYTES: int(1, 10_485_760, 65_536),
  /** Tool calls per user per minute (sustained); 0 turns the limit off. */
  TOOL_CALLS_PER_MINUTE: int(0, 1_000_000, 600),
  /** Calls a user may make at once above the sustained rate. */
  TOOL_CALL_BURST: int(1, 100_000, 60),
  /** Secret and OAuth-token writes per user per minute (each is an event); 0 turns the limit off. */
  SECRET_WRITES_PER_MINUTE: int(0, 1_000_000, 120),
  SECRET_WRITE_BURST: int(1, 100_000, 30),
  /** Failed authentications per source address per minute, and at once; 0 turns throttling off. */
  AUTH_FAILURES_PER_MINUTE: int(0, 100_000, 30),
  AUTH_FAILURE_BURST: int(1, 100_000, 20),
  /** The gateway's own OAuth authorization server for MCP clients; on by default once PUBLIC_URL is set. */
  OAUTH_SERVER: opt(z.enum(['on', 'off']).default('on')),
  OAUTH_ACCESS_TOKEN_TTL_S: int(60, 86_400, 3600),
  /** The OpenID Connect provider users sign in with (Google, Entra ID, Okta, Keycloak, ...). */
  OIDC_ISSUER: opt(z.string().url('must be the issuer URL, such as https://accounts.google.com').optional()),
  OIDC_CLIENT_ID: opt(z.string().min(1).max(512).optional()),
  OIDC_CLIENT_SECRET: opt(z.string().min(1).max(2048).optional()),
  OIDC_USERNAME_CLAIM: opt(z.string().min(1).max(128).default('email')),
  OIDC_GROUPS_CLAIM: opt(z.string().min(1).max(128).default('groups')),
  OIDC_SCOPE: opt(z.string().min(1).max(512).default('openid email profile')),
};
