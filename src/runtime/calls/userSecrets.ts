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
  /**
   * Plaintext per sealed record, so a call does not pay AES-GCM and the AAD for every secret. Records
   * are immutable read-model values: a replaced or deleted secret is a new record or none, so its old
   * entry is never looked up again and goes with the record (weakly held). Bound to the context it
   * was opened for, and dropped with the data key. Held only here; never logged or returned elsewhere.
   */
  private readonly opened = new WeakMap<Sealed, { readonly context: string; readonly plain: string }>();

  constructor(private readonly deps: UserSecretsDeps) {}

  /**
   * This user's secrets for a server registration, decrypted: the names the server declares (if any)
   * that `accept` lets through.
   */
  open(
    view: ServerView,
    username: string,
    accept: (secretName: string) => boolean = () => true,
  ): Record<string, string> {
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
    const context = `${username}\u0000${view.name}\u0000${secretName}`;
    const hit = this.opened.get(record);
    const box = this.deps.secretBox;
    const keyKnown = record.dataKeyId === undefined || !box.knows || box.knows(record.dataKeyId);
    if (hit && hit.context === context && keyKnown) return hit.plain;
    try {
      const plain = box.open(record, { username, serverName: view.name, secretName });
      this.opened.set(record, { context, plain });
      return plain;
    } catch {
      this.opened.delete(record);
      this.deps.logger.error('stored secret cannot be decrypted', {
        serverName: view.name,
        username,
        secretName,
        keyVersion: record.keyVersion,
      });
      throw new AppError(
        'secret_undecryptable',
        `Stored secret ${secretName} for user ${username} on server ${view.name} cannot be decrypted (is SECRETS_KEY ` +
          `the one it was stored with?); set it again`,
        { serverName: view.name, secretName },
      );
    }
  }
}
