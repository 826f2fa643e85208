import { createApi, type Api } from './api.js';

/** Who is signed in, as GET /auth/me says. */
export interface Session {
  readonly token: string;
  readonly role: 'admin' | 'user';
  readonly username?: string;
  readonly api: Api;
}

/**
 * sessionStorage: the token lives as long as the tab, never in a cookie and never on disk after
 * the browser closes. An OAuth sign-in (issue 13) ends the same way: it yields an access token
 * that is stored here and sent as a Bearer header, so no page needs to change.
 */
const KEY = 'mcp-api.console.token';

export const storedToken = (): string | null => sessionStorage.getItem(KEY);
export const forgetToken = (): void => sessionStorage.removeItem(KEY);

/** Checks the token with GET /auth/me; keeps it only if the gateway accepts it. */
export async function signIn(token: string, onUnauthorized: () => void): Promise<Session> {
  const api = createApi(token, onUnauthorized);
  const me = await api.get<{ role: 'admin' | 'user'; username?: string }>('/auth/me');
  sessionStorage.setItem(KEY, token);
  return { token, role: me.role, ...(me.username === undefined ? {} : { username: me.username }), api };
}
