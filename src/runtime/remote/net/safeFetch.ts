import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { FetchLike } from '@modelcontextprotocol/client';
import { Agent } from 'undici';
import { addressRefusal, checkUrl, UrlRefusedError, type UrlPolicy } from '../../../net/urlSafety.js';

type Resolver = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * A DNS lookup that only ever hands the socket addresses the policy allows. Because the check runs
 * inside the connect, the address checked is the address connected to: no window for DNS
 * rebinding between a check and a second resolution.
 */
export function checkedLookup(policy: UrlPolicy, resolve: Resolver = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => addressRefusal(a.address, policy) === undefined);
      const first = allowed[0];
      if (!first) {
        const reason = addresses[0] ? (addressRefusal(addresses[0].address, policy) ?? 'refused') : 'no address';
        return callback(Object.assign(new UrlRefusedError(hostname, `it resolves only to refused addresses (${reason})`), { code: 'EADDRREFUSED' }), '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      return callback(null, first.address, first.family);
    });
  };
}

export interface SafeFetch {
  readonly fetch: FetchLike;
  close(): Promise<void>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * fetch for everything the gateway sends to remote servers and OAuth endpoints: http(s) only,
 * policy-checked URLs (literal hosts here, resolved hosts in the connect), and redirects followed
 * only to allowed addresses. Requests that ask to see redirects (`redirect: 'manual'`, as the SDK
 * does) get them and come back through here for the next hop. No body or header timeouts: calls
 * have their own deadlines and SSE streams may idle for long.
 */
export function createSafeFetch(policy: UrlPolicy, options: { resolve?: Resolver; connectTimeoutMs?: number } = {}): SafeFetch {
  const agent = new Agent({
    connect: { lookup: checkedLookup(policy, options.resolve), timeout: options.connectTimeoutMs ?? 10_000 },
    bodyTimeout: 0,
    headersTimeout: 0,
  });

  const send = async (url: URL, init: RequestInit): Promise<Response> => {
    try {
      // Node's own fetch with our dispatcher: responses stay global Response objects, which the SDK
      // checks with instanceof when it parses OAuth error bodies.
      return await fetch(url, { ...init, dispatcher: agent } as unknown as RequestInit);
    } catch (error) {
      // undici wraps connect failures in TypeError('fetch failed'); surface our refusal as itself.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof UrlRefusedError) throw cause;
      throw error;
    }
  };

  const safeFetch: FetchLike = async (input, init = {}) => {
    let url = checkUrl(input, policy);
    if (init.redirect === 'manual' || init.redirect === 'error') return send(url, init);
    let request: RequestInit = { ...init, redirect: 'manual' };
    for (let hop = 0; ; hop++) {
      const response = await send(url, request);
      const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null;
      const method = (request.method ?? 'GET').toUpperCase();
      // Only reads follow redirects: a token request re-sent elsewhere would carry the refresh token with it.
      if (!location || hop >= MAX_REDIRECTS || (method !== 'GET' && method !== 'HEAD')) return response;
      await response.body?.cancel();
      const next = checkUrl(new URL(location, url), policy);
      if (next.origin !== url.origin) {
        const headers = new Headers(request.headers);
        headers.delete('authorization');
        headers.delete('cookie');
        request = { ...request, headers };
      }
      url = next;
    }
  };

  return { fetch: safeFetch, close: () => agent.close() };
}
