import { createHash } from 'node:crypto';
import { handleCommand, type CommandMetadata } from '../../../commands/commandHandler.js';
import { upstreamClientDecider, type UpstreamClientState } from '../../../commands/upstreamConnectDecider.js';
import type { SecretBox } from '../../../crypto/secretBox.js';
import { parseEvent } from '../../../events/domainEvents.js';
import type { EventStore } from '../../../events/eventStore.js';
import type { Sealed } from '../../../events/secretEvents.js';
import { SERVER_HEADER_USER } from '../../../events/serverEvents.js';
import { upstreamClientStreamId } from '../../../events/upstreamConnectEvents.js';
import type { DiscoveredServer, UpstreamAuthorization, UpstreamClient } from './upstreamAuthorization.js';

/** Where the authorization server sends the browser back, and the gateway's client id document if it has one. */
export interface ConnectEndpoints {
  readonly redirectUri: string;
  /** `<PUBLIC_URL>/auth/upstream/client.json` when PUBLIC_URL is https (a Client ID Metadata Document). */
  readonly clientMetadataUrl?: string | undefined;
}

export interface UpstreamClientsOptions {
  readonly store: EventStore;
  readonly secretBox: SecretBox;
  readonly authorization: UpstreamAuthorization;
  readonly clock: () => Date;
  readonly newId: () => string;
}

const issuerHash = (issuer: string): string => createHash('sha256').update(issuer).digest('hex');
const clientSecretContext = (issuer: string) => ({
  username: SERVER_HEADER_USER,
  serverName: '',
  secretName: `upstream-client:${issuerHash(issuer)}`,
});

/**
 * The gateway's OAuth clients at remote authorization servers, keyed by issuer (one event stream
 * each): every server and user behind an issuer share one client. Secrets are sealed.
 */
export class UpstreamClients {
  constructor(private readonly o: UpstreamClientsOptions) {}

  /** An admin's client at an issuer (for servers without dynamic registration); it wins over registrations. */
  async configureClient(
    issuer: string,
    client: UpstreamClient,
    endpoints: ConnectEndpoints,
  ): Promise<{ position: number }> {
    await this.o.secretBox.prepare(SERVER_HEADER_USER);
    const result = await handleCommand(
      this.o.store,
      upstreamClientStreamId(issuerHash(issuer)),
      upstreamClientDecider,
      {
        type: 'RegisterUpstreamClient',
        data: {
          issuer,
          clientId: client.clientId,
          ...(client.clientSecret
            ? { clientSecret: this.o.secretBox.seal(client.clientSecret, clientSecretContext(issuer)) }
            : {}),
          redirectUri: endpoints.redirectUri,
          method: 'configured',
        },
      },
      this.meta('admin'),
    );
    return { position: result.position };
  }

  /**
   * The gateway's client at this issuer: one an admin configured, else its Client ID Metadata Document
   * if accepted, else a stored or new registration.
   */
  async clientFor(server: DiscoveredServer, endpoints: ConnectEndpoints): Promise<UpstreamClient> {
    const stream = upstreamClientStreamId(issuerHash(server.issuer));
    const known = await this.registration(stream);
    if (known?.method === 'configured') return this.opened(known, clientSecretContext(server.issuer));
    const cimd = (server.metadata as { client_id_metadata_document_supported?: boolean })
      .client_id_metadata_document_supported;
    if (cimd === true && endpoints.clientMetadataUrl) return { clientId: endpoints.clientMetadataUrl };
    const secretContext = clientSecretContext(server.issuer);
    if (known && known.redirectUri === endpoints.redirectUri) return this.opened(known, secretContext);
    const fresh = await this.o.authorization.register(server, endpoints.redirectUri);
    await this.o.secretBox.prepare(SERVER_HEADER_USER);
    const result = await handleCommand(
      this.o.store,
      stream,
      upstreamClientDecider,
      {
        type: 'RegisterUpstreamClient',
        data: {
          issuer: server.issuer,
          clientId: fresh.clientId,
          ...(fresh.clientSecret
            ? { clientSecret: this.o.secretBox.seal(fresh.clientSecret, secretContext) }
            : {}),
          redirectUri: endpoints.redirectUri,
          method: 'dynamic',
        },
      },
      this.meta('gateway'),
    );
    // Another instance may have registered first: everyone uses the registration recorded.
    const recorded = result.state.registration;
    return recorded ? this.opened(recorded, secretContext) : fresh;
  }

  private async registration(stream: string): Promise<UpstreamClientState['registration']> {
    let state = upstreamClientDecider.initialState();
    for (const recorded of await this.o.store.readStream(stream)) {
      const event = parseEvent(recorded);
      if (event) state = upstreamClientDecider.evolve(state, event);
    }
    return state.registration;
  }

  private opened(
    r: { clientId: string; clientSecret?: Sealed | undefined },
    context: { username: string; serverName: string; secretName: string },
  ): UpstreamClient {
    return {
      clientId: r.clientId,
      ...(r.clientSecret ? { clientSecret: this.o.secretBox.open(r.clientSecret, context) } : {}),
    };
  }

  private meta(actor: string): CommandMetadata {
    return { now: this.o.clock(), newId: this.o.newId, actor };
  }
}
