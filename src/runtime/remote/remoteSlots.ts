import type { FetchLike } from '@modelcontextprotocol/client';
import type { SecretBox } from '../../crypto/secretBox.js';
import type { StreamableHttpTransport } from '../../events/serverEvents.js';
import { SHARED_CONNECTION } from '../../events/sessionEvents.js';
import type { NegotiationRecorder } from '../core/negotiationRecorder.js';
import type { ToolDescriptor, UpstreamIdentity } from '../core/types.js';
import type { UpstreamNotice } from '../client/upstreamCatalog.js';
import { ConnectionSlot } from './connectionSlot.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../core/oversized.js';
import { createIsolatingFetch, type IsolatingFetch } from './net/isolatingFetch.js';
import { limitMessageSize } from './net/messageSizeFetch.js';
import { createAuthorizingFetch, openHeaders } from './oauth/authorizingFetch.js';
import type { OAuthTarget, OAuthTokenService } from './oauth/oauthTokens.js';
import { RemoteConnection } from './remoteConnection.js';
import type { SessionRecorder } from './sessionRecorder.js';

/** The user whose OAuth tokens (if any) the shared connection carries: the README's default username. */
export const DEFAULT_USER = 'default';

/** What every remote server of a gateway shares. */
export interface RemoteDeps {
  readonly fetch: FetchLike;
  readonly tokens: OAuthTokenService;
  readonly sessions: SessionRecorder;
  readonly secretBox: SecretBox;
  readonly idleTimeoutMs: number;
  readonly identity: UpstreamIdentity;
  readonly negotiations?: NegotiationRecorder | undefined;
  /** One message (JSON body or SSE event) larger than this fails its call with result_too_large. */
  readonly maxMessageBytes?: number | undefined;
}

export interface RemoteSlotsOptions {
  readonly serverId: string;
  readonly name: string;
  readonly transport: StreamableHttpTransport;
  readonly startupTimeoutMs: number;
  readonly deps: RemoteDeps;
  readonly target: OAuthTarget;
  readonly unavailable: () => Error;
  /** The shared connection died. */
  readonly onSharedLost: (reason: string) => void;
  /** The shared connection's server announced a new tool list. */
  readonly onSharedTools: (tools: ToolDescriptor[]) => void;
  readonly note: (line: string) => void;
  /** A connection's server announced a resource/prompt change (`username` undefined: the shared one). */
  readonly onNotice?: ((notice: UpstreamNotice, username: string | undefined) => void) | undefined;
}

/**
 * Builds the connection slots of one remote server (the shared one, and one per user with a grant):
 * each with its own fetch stack (isolating → authorizing → safe), its session and negotiation memory.
 */
export class RemoteSlots {
  private readonly isolations = new Set<IsolatingFetch>();
  private headerCache: Record<string, string> | undefined;

  constructor(private readonly o: RemoteSlotsOptions) {}

  /** Abort listeners on the SDK transports' connection-wide signals (should stay near zero between calls). */
  abortListenerCount(): number {
    let total = 0;
    for (const iso of this.isolations) total += iso.parentListenerCount();
    return total;
  }

  slot(connection: string, authUser: string, lazy: boolean): ConnectionSlot {
    const { deps, transport } = this.o;
    const isolation = createIsolatingFetch(
      createAuthorizingFetch({
        base: deps.fetch,
        target: this.o.target,
        username: authUser,
        tokens: deps.tokens,
        staticHeaders: () => this.headers(),
      }),
    );
    this.isolations.add(isolation);
    const shared = connection === SHARED_CONNECTION;
    const note = (line: string): void => this.o.note(`[${shared ? 'shared' : 'user'} connection] ${line}`);
    const fetch = limitMessageSize(isolation.fetch, {
      limit: deps.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      onDropped: (size) =>
        note(`dropped a message of ${size} bytes (over the size limit) that answers no request`),
    });
    const ref = { serverId: this.o.serverId, serverName: this.o.name, connection };
    return new ConnectionSlot({
      ref,
      negotiation: deps.negotiations?.memory(ref, transport.url),
      url: transport.url,
      sessions: deps.sessions,
      startupTimeoutMs: this.o.startupTimeoutMs,
      lazy,
      unavailable: this.o.unavailable,
      ...(shared ? { onLost: this.o.onSharedLost } : {}),
      onClosed: () => this.isolations.delete(isolation),
      build: (resume, prior, onLost) =>
        new RemoteConnection({
          url: new URL(transport.url),
          fetch,
          reconnectionOptions: transport.reconnectionOptions,
          resume,
          prior,
          identity: deps.identity,
          onLost,
          onToolsChanged: (tools) => shared && this.o.onSharedTools(tools),
          onNotice: (notice) => this.o.onNotice?.(notice, shared ? undefined : authUser),
          onNote: note,
        }),
    });
  }

  /** Configured headers, sealed ones opened once per server generation, only when a connection needs them. */
  private headers(): Record<string, string> {
    this.headerCache ??= openHeaders(this.o.transport, this.o.name, this.o.deps.secretBox);
    return this.headerCache;
  }
}
