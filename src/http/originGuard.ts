import type { Middleware } from 'koa';
import { AppError } from '../errors.js';

export interface OriginPolicy {
  /** Host names accepted in the Host header (lower case, no port), or '*'. */
  readonly allowedHosts: readonly string[] | '*';
  /** Origins browsers may call from (scheme://host[:port], lower case), or '*'. */
  readonly allowedOrigins: readonly string[] | '*';
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');

/**
 * Defaults: bound to loopback, only loopback Host names are accepted (so a DNS-rebinding page
 * cannot reach the gateway through a browser); bound elsewhere, any Host unless configured.
 * No cross-origin browser caller unless ALLOWED_ORIGINS lists it.
 */
export function originPolicy(bindHost: string, hosts: readonly string[] | undefined, origins: readonly string[] | undefined): OriginPolicy {
  const norm = (list: readonly string[]): readonly string[] | '*' => (list.includes('*') ? '*' : list.map((h) => h.toLowerCase().replace(/\/+$/, '')));
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
      if (!host || !policy.allowedHosts.includes(hostName(host))) throw new AppError('forbidden', 'Host not allowed');
    }
    const origin = ctx.get('origin');
    if (origin) {
      const normalized = origin.toLowerCase().replace(/\/+$/, '');
      if (policy.allowedOrigins !== '*' && !policy.allowedOrigins.includes(normalized)) throw new AppError('forbidden', 'Origin not allowed');
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.vary('Origin');
      if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
        ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE');
        ctx.set('Access-Control-Allow-Headers', 'authorization, content-type');
        ctx.set('Access-Control-Max-Age', '600');
        ctx.status = 204;
        return;
      }
    }
    return next();
  };
}
