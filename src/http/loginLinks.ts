import { createHmac, timingSafeEqual } from 'node:crypto';

export interface LoginLink {
  readonly username: string;
  readonly serverName: string;
}

/**
 * Short-lived signed login links: a browser cannot send a bearer token on a plain navigation, so
 * an authenticated endpoint hands out `?link=` values (HMAC-SHA256 over user, server and expiry)
 * that let GET /auth/google/login start the flow for exactly that user and server.
 */
export interface LoginLinks {
  issue(link: LoginLink): { link: string; expiresAt: string };
  /** The link's user and server if the signature holds and it has not expired. */
  verify(value: string): LoginLink | undefined;
  /** The value of the cookie that ties a login's state to the browser that started it. */
  browserBinding(stateHash: string): string;
}

/** `purpose` separates kinds of links: a Google login link does not open a connect-your-account flow. */
export function createLoginLinks(
  key: Buffer,
  clock: () => Date,
  ttlMs: number,
  purpose: 'login-link' | 'connect-link' = 'login-link',
): LoginLinks {
  const sign = (payload: string): Buffer =>
    createHmac('sha256', key)
      .update(`mcp-api/${purpose}\0` + payload)
      .digest();
  return {
    browserBinding: (stateHash) =>
      createHmac('sha256', key)
        .update('mcp-api/login-browser\0' + stateHash)
        .digest('base64url'),
    issue({ username, serverName }) {
      const expires = clock().getTime() + ttlMs;
      const payload = Buffer.from(JSON.stringify([username, serverName, expires])).toString('base64url');
      return {
        link: `${payload}.${sign(payload).toString('base64url')}`,
        expiresAt: new Date(expires).toISOString(),
      };
    },
    verify(value) {
      if (value.length > 1024) return undefined;
      const [payload, signature, extra] = value.split('.');
      if (!payload || !signature || extra !== undefined) return undefined;
      const expected = sign(payload);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      try {
        const [username, serverName, expires] = JSON.parse(
          Buffer.from(payload, 'base64url').toString('utf8'),
        ) as unknown[];
        if (typeof username !== 'string' || typeof serverName !== 'string' || typeof expires !== 'number')
          return undefined;
        return clock().getTime() < expires ? { username, serverName } : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
