import type { SecretBox } from '../../crypto/secretBox.js';
import type { EventStore } from '../../events/eventStore.js';
import type { Logger } from '../../logger.js';
import type { ReadModels } from '../../projections/readModels.js';
import { OAuthExchange } from './oauth/oauthExchange.js';
import { OAuthTokenService } from './oauth/oauthTokens.js';
import type { RemoteDeps } from './remoteSlots.js';
import { createSafeFetch } from './net/safeFetch.js';
import { SessionRecorder } from './sessionRecorder.js';
import { createUrlPolicy, type UrlPolicy } from '../../net/urlSafety.js';
import type { NegotiationRecorder } from '../core/negotiationRecorder.js';
import type { UpstreamIdentity } from '../core/types.js';
import { noTelemetry, type Telemetry } from '../../telemetry/telemetry.js';
import { traceFetch } from '../../telemetry/traceFetch.js';

/** Settings of the remote (HTTP) side of a gateway; every field has a default. */
export interface RemoteOptions {
  /** Where remote servers and OAuth endpoints may be reached (default: public addresses only). */
  readonly urlPolicy?: UrlPolicy;
  /** Per-user connections close after this long without calls (default 10 min). */
  readonly idleTimeoutMs?: number;
  /** Deadline of each discovery or token request (default 10 s). */
  readonly oauthRequestTimeoutMs?: number;
  /** Refresh access tokens this long before they expire (default 30 s). */
  readonly refreshSkewMs?: number;
}

export interface RemoteRuntime {
  readonly deps: RemoteDeps;
  close(): Promise<void>;
}

export function createRemoteRuntime(o: {
  store: EventStore;
  readModels: () => ReadModels;
  secretBox: SecretBox;
  logger: Logger;
  clock: () => Date;
  newId: () => string;
  options?: RemoteOptions | undefined;
  identity: UpstreamIdentity;
  negotiations: NegotiationRecorder;
  /** [obs hook] trace context headers on every request to a remote server. */
  telemetry?: Telemetry;
  /** One message larger than this fails its call with result_too_large (default 10 MiB). */
  maxMessageBytes?: number | undefined;
}): RemoteRuntime {
  const options = o.options ?? {};
  const safe = createSafeFetch(options.urlPolicy ?? createUrlPolicy());
  const requestTimeoutMs = options.oauthRequestTimeoutMs ?? 10_000;
  const tokens = new OAuthTokenService({
    store: o.store,
    readModels: o.readModels,
    secretBox: o.secretBox,
    exchange: new OAuthExchange(safe.fetch, requestTimeoutMs),
    clock: o.clock,
    newId: o.newId,
    logger: o.logger.child({ component: 'oauth' }),
    leaseMs: Math.max(30_000, requestTimeoutMs * 3),
    ...(options.refreshSkewMs === undefined ? {} : { refreshSkewMs: options.refreshSkewMs }),
  });
  const sessions = new SessionRecorder(
    o.store,
    o.readModels,
    () => ({ now: o.clock(), newId: o.newId, actor: 'gateway' }),
    o.logger.child({ component: 'sessions' }),
  );
  return {
    deps: {
      fetch: traceFetch(safe.fetch, o.telemetry ?? noTelemetry), // [obs hook]
      tokens,
      sessions,
      secretBox: o.secretBox,
      idleTimeoutMs: options.idleTimeoutMs ?? 600_000,
      identity: o.identity,
      negotiations: o.negotiations,
      maxMessageBytes: o.maxMessageBytes,
    },
    close: () => safe.close(),
  };
}
