import { createLoginLinks, type LoginLinks } from '../http/loginLinks.js';
import type { SecurityOptions } from '../http/securityOptions.js';
import type { ConnectLink } from '../runtime/remote/oauth/connectHint.js';

/** How long a connect-your-account link stays valid. */
const CONNECT_LINK_TTL_MS = 15 * 60_000;

/**
 * Connect-your-account links: signed like login links (another purpose, same master-derived key,
 * so every instance accepts every link), and the URL a call without a grant is pointed to. Without
 * PUBLIC_URL the runtime cannot name the gateway's address, so calls get no link (the REST route
 * POST /mcp/servers/:name/oauth/connect still makes one from the request's host).
 */
export function wireConnectLinks(
  security: Pick<SecurityOptions, 'linkKey' | 'publicUrl'>,
  clock: () => Date,
): { links: LoginLinks; link: ConnectLink } {
  const links = createLoginLinks(security.linkKey, clock, CONNECT_LINK_TTL_MS, 'connect-link');
  const base = security.publicUrl?.replace(/\/+$/, '');
  const link: ConnectLink = (serverName, username) => {
    if (base === undefined) return undefined;
    const query = new URLSearchParams({ link: links.issue({ username, serverName }).link });
    return `${base}/auth/upstream/connect?${query.toString()}`;
  };
  return { links, link };
}
