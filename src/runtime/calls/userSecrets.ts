import type { SecretBox } from '../../crypto/secretBox.js';
import type { UserSecretBox } from '../../crypto/userSecretBox.js';
import { AppError } from '../../errors.js';
import type { Sealed } from '../../events/secretEvents.js';
import type { Logger } from '../../logger.js';
import type { ReadModels } from '../../projections/readModels.js';
import { secretsFor } from '../../projections/secretsProjection.js';
import type { ServerView } from '../../projections/serversProjection.js';

export interface UserSecretsDeps {
  readonly readModels: () => ReadModels;
  /** `knows`/`refresh` exist on the per-user-key box; a plain box has no keys to reload. */
  readonly secretBox: SecretBox & Partial<Pick<UserSecretBox, 'knows' | 'refresh'>>;
  readonly logger: Logger;
}

/**
 * The one place a user's stored secrets are opened: for tool-call arguments (ToolCaller) and for
 * the environment of a per-user process (PerUserSupervisor). In-memory lookups only; the store is
 * read only to load a data key another instance created.
 */
export class UserSecrets {
  constructor(private readonly deps: UserSecretsDeps) {}

  /** This user's secrets for a server registration, decrypted: the names the server declares (if any) that `accept` lets through. */
  open(view: ServerView, username: string, accept: (secretName: string) => boolean = () => true): Record<string, string> {
    const sealed = secretsFor(this.deps.readModels().secrets, view.serverId, username);
    const allowed = view.config.secretNames ? new Set(view.config.secretNames) : undefined;
    const out: Record<string, string> = {};
    for (const [secretName, record] of sealed) {
      if (allowed && !allowed.has(secretName)) continue;
      if (!accept(secretName)) continue;
      out[secretName] = this.openOne(view, username, secretName, record);
    }
    return out;
  }

  /** One named secret of this user, or undefined when none is stored. */
  openNamed(view: ServerView, username: string, secretName: string): string | undefined {
    const sealed = secretsFor(this.deps.readModels().secrets, view.serverId, username).get(secretName);
    return sealed === undefined ? undefined : this.openOne(view, username, secretName, sealed);
  }

  /**
   * Another gateway instance on a shared store may have sealed this user's secret with a data key
   * this process has not loaded yet: reload once. An in-memory check; the store is read only on a miss.
   */
  async ensureDataKeys(view: ServerView, username: string): Promise<void> {
    const box = this.deps.secretBox;
    if (!box.knows || !box.refresh) return;
    for (const sealed of secretsFor(this.deps.readModels().secrets, view.serverId, username).values()) {
      if (sealed.dataKeyId !== undefined && !box.knows(sealed.dataKeyId)) return box.refresh(username);
    }
  }

  private openOne(view: ServerView, username: string, secretName: string, record: Sealed): string {
    try {
      return this.deps.secretBox.open(record, { username, serverName: view.name, secretName });
    } catch {
      this.deps.logger.error('stored secret cannot be decrypted', { serverName: view.name, username, secretName, keyVersion: record.keyVersion });
      throw new AppError(
        'secret_undecryptable',
        `Stored secret ${secretName} for user ${username} on server ${view.name} cannot be decrypted (is SECRETS_KEY the one it was stored with?); set it again`,
        { serverName: view.name, secretName },
      );
    }
  }
}
