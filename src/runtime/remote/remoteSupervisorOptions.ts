import type { StreamableHttpTransport } from '../../events/serverEvents.js';
import type { Logger } from '../../logger.js';
import type { UpstreamNotice } from '../client/upstreamCatalog.js';
import type { RestartPolicy } from '../core/restartPolicy.js';
import type { RemoteDeps } from './remoteSlots.js';

/** What a RemoteSupervisor is built with (one per remote server registration). */
export interface RemoteSupervisorOptions {
  readonly name: string;
  readonly serverId: string;
  readonly transport: StreamableHttpTransport;
  readonly startupTimeoutMs: number;
  readonly policy: RestartPolicy;
  readonly logLimit: number;
  readonly logger: Logger;
  readonly deps: RemoteDeps;
  readonly redact?: ((line: string) => string) | undefined;
  readonly onChange?: (() => void) | undefined;
  /** `username`: announced on that user's own connection; undefined: on the shared one. */
  readonly onNotice?: ((notice: UpstreamNotice, username: string | undefined) => void) | undefined;
}
