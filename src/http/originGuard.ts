import type { Middleware } from 'koa';
import { AppError } from '../errors.js';

export interface OriginPolicy {
  /** Host names accepted in the Host header (lower case, no port), or '*'. */
  readonly allowedHosts: readonly string[] | '*';
  /** Origins browsers may call from (scheme://host[:port], lower case), or '*'. */
  readonly allowedOrigins: readonly string[] | '*';
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');

/**
 * Defaults: bound to loopback, only loopback Host names are accepted (so a DNS-rebinding page
 * cannot reach the gateway through a browser); bound elsewhere, any Host unless configured.
 * No cross-origin browser caller unless ALLOWED_ORIGINS lists it.
 */
export function originPolicy(
  bindHost: string,
  hosts: readonly string[] | undefined,
  origins: readonly string[] | undefined,
): OriginPolicy {
  const norm = (list: readonly string[]): readonly string[] | '*' =>
    list.includes('*') ? '*' : list.map((h) => h.toLowerCase().replace(/\/+$/, ''));
  return {
    allowedHosts: hosts ? norm(hosts) : isLoopback(bindHost) ? LOOPBACK_NAMES : '*',
    allowedOrigins: origins ? norm(origins) : [],
  };
}

/** `example.com:8080` → `example.com`; `[::1]:80` → `[::1]`. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.split(':')[0] ?? '';
}

/**
 * Host and Origin checks, and CORS for allowed origins (answering preflights before auth, since a
 * preflight carries no token). /healthz is exempt so load balancers can probe with any Host.
 */
export function originGuard(policy: OriginPolicy): Middleware {
  return async (ctx, next) => {
    if (ctx.path === '/healthz') return next();
    if (policy.allowedHosts !== '*') {
      const host = ctx.get('host');
      if (!host || !policy.allowedHosts.includes(hostName(host)))
        throw new AppError('forbidden', 'Host not allowed');
    }
    const origin = ctx.get('origin');
    if (origin && !sameOrigin(policy, origin, ctx.get('host'))) {
      const normalized = origin.toLowerCase().replace(/\/+$/, '');
      if (policy.allowedOrigins !== '*' && !policy.allowedOrigins.includes(normalized))
        throw new AppError('forbidden', 'Origin not allowed');
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Expose-Headers', 'mcp-session-id');
      ctx.vary('Origin');
      if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
        ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE');
        // The MCP endpoint's headers too, so browser-based MCP clients on an allowed origin work.
        ctx.set(
          'Access-Control-Allow-Headers',
          'authorization, content-type, mcp-session-id, mcp-protocol-version, last-event-id, x-mcp-username',
        );
        ctx.set('Access-Control-Max-Age', '600');
        ctx.status = 204;
        return;
      }
    }
    return next();
  };
}

/**
 * A page the gateway itself served (its Origin names the very host:port the request went to) is not
 * cross-origin. Only trusted where Host names are checked: with any Host allowed, a rebinding page's
 * Origin would match its own Host.
 */
function sameOrigin(policy: OriginPolicy, origin: string, host: string): boolean {
  if (policy.allowedHosts === '*' || !host) return false;
  try {
    return new URL(origin).host === host.trim().toLowerCase();
  } catch {
    return false;
  }
}
