import type { Telemetry } from './telemetry.js';

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * Adds the current span's W3C trace context (traceparent, tracestate, baggage) as headers to every
 * request a remote MCP connection sends: the upstream server continues the gateway's trace.
 */
export function traceFetch<F extends Fetch>(fetchFn: F, telemetry: Telemetry): F {
  if (!telemetry.enabled) return fetchFn;
  const traced: Fetch = (url, init) => {
    const carrier = telemetry.inject();
    if (carrier.traceparent === undefined) return fetchFn(url, init);
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(carrier)) headers.set(name, value);
    return fetchFn(url, { ...init, headers });
  };
  return traced as F;
}
