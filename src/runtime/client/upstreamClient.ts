import {
  type Client,
  SdkError,
  SdkErrorCode,
  type ClientCapabilities,
  type DiscoverResult,
  type PriorDiscovery,
  type Transport,
} from '@modelcontextprotocol/client';
import { isAppError } from '../../errors.js';
import { GatewayClient } from './gatewayClient.js';
import { UrlRefusedError } from '../../net/urlSafety.js';
import { listAllTools } from '../core/listAllTools.js';
import type { Negotiation, RequestLimits, ToolDescriptor, UpstreamIdentity } from '../core/types.js';

/**
 * The SDK client every upstream connection (stdio, Streamable HTTP, SSE) uses: era negotiation
 * (probe server/discover, fall back to initialize), pass-through requests, tool-list walks.
 */
export interface UpstreamHooks {
  readonly onToolsChanged: () => void;
  readonly onTruncatedList: (reason: string) => void;
}

/** A probe answer is at most this slow from a live server. */
const PROBE_TIMEOUT_MS = 10_000;

export function createUpstreamClient(identity: UpstreamIdentity, hooks: UpstreamHooks): GatewayClient {
  const capabilities: ClientCapabilities = { ...identity.capabilities };
  const client = new GatewayClient(identity.clientInfo, {
    capabilities,
    versionNegotiation: { mode: 'auto', probe: { timeoutMs: PROBE_TIMEOUT_MS } },
  });
  // Legacy servers notify unsolicited; modern ones only on a subscriptions/listen stream (see UpstreamCatalog.listen).
  client.setNotificationHandler('notifications/tools/list_changed', () => hooks.onToolsChanged());
  return client;
}

/** A remembered verdict as the SDK takes it: a modern one skips every round trip, a legacy one the probe. */
export function priorOf(negotiation: Negotiation | undefined): PriorDiscovery | undefined {
  if (!negotiation) return undefined;
  if (negotiation.era === 'legacy') return { kind: 'legacy' };
  return negotiation.discover
    ? { kind: 'modern', discover: negotiation.discover as DiscoverResult }
    : undefined;
}

/** Go straight to initialize: SSE and resumed sessions, and servers whose probe answer was unusable. */
export const LEGACY_PRIOR: Negotiation = { era: 'legacy', protocolVersion: '' };

/**
 * The server/discover probe got an answer that says nothing about the era (HTTP 5xx, an HTML page, a
 * closed stdio process): such a server may still speak initialize. Method-not-found, an error, an empty
 * or malformed result already count as legacy inside the SDK.
 */
export function isProbeFailure(error: unknown): boolean {
  return SdkError.isInstance(error) && error.code === SdkErrorCode.EraNegotiationFailed;
}

/** Connects on `prior` if given, else probes; says what the connection settled on. */
export async function connectUpstream(
  client: Client,
  transport: Transport,
  limits: RequestLimits,
  prior: Negotiation | undefined,
): Promise<Negotiation> {
  const verdict = priorOf(prior);
  // The probe takes at most half the connection's budget: a silent stdio server counts as legacy after
  // it, and initialize + tools/list still fit in the rest.
  client.setVersionNegotiation({
    mode: 'auto',
    probe: { timeoutMs: Math.min(PROBE_TIMEOUT_MS, Math.ceil(limits.timeoutMs / 2)) },
  });
  try {
    const connecting = client.connect(transport, {
      signal: limits.signal,
      timeout: limits.timeoutMs,
      ...(verdict ? { prior: verdict } : {}),
    });
    // Not every phase of connect() (the probe among them) ends on the signal: the caller's deadline does.
    await untilAborted(connecting, limits.signal);
  } catch (error) {
    throw ownCause(error) ?? error;
  }
  return negotiationOf(client, prior);
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}

/**
 * The SDK wraps what our fetch stack threw during the probe (reauth_required, a refused URL); the
 * supervisor decides on those, so they come back out unwrapped.
 */
function ownCause(error: unknown): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (isAppError(current) || current instanceof UrlRefusedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A resumed session skips initialize, so its version is the one remembered with it. */
export function negotiationOf(client: Client, prior?: Negotiation): Negotiation {
  const era = client.getProtocolEra() ?? prior?.era ?? 'legacy';
  const protocolVersion = client.getNegotiatedProtocolVersion() ?? prior?.protocolVersion ?? 'unknown';
  const discover = era === 'modern' ? client.getDiscoverResult() : undefined;
  return {
    era,
    protocolVersion,
    ...(discover ? { discover: JSON.parse(JSON.stringify(discover)) as Record<string, unknown> } : {}),
  };
}

/** Every page of tools/list, with the upstream's tool objects passed through as JSON. */
export function listTools(
  client: Client,
  limits: RequestLimits,
  onTruncated: (reason: string) => void,
): Promise<ToolDescriptor[]> {
  return listAllTools(
    async (cursor) => {
      const page = await client.request(
        { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
        { signal: limits.signal, timeout: limits.timeoutMs },
      );
      return { tools: page.tools.map((tool): ToolDescriptor => ({ ...tool })), nextCursor: page.nextCursor };
    },
    { onTruncated },
  );
}

export const describe = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).slice(0, 300);
