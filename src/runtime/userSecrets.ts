import type { SecretBox } from '../crypto/secretBox.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ReadModels } from '../projections/readModels.js';
import { secretsFor } from '../projections/secretsProjection.js';
import type { ServerView } from '../projections/serversProjection.js';

export interface UserSecretsDeps {
  readonly readModels: () => ReadModels;
  readonly secretBox: SecretBox;
  readonly logger: Logger;
}

/**
 * Opens one user's secrets for one server registration from the read model: only names the server
 * declares (if it declares any) and that `accept` lets through, decrypted with the key derived at
 * boot. Both delivery modes (tool arguments, process environment) go through here.
 */
export class UserSecrets {
  constructor(private readonly deps: UserSecretsDeps) {}

  open(view: ServerView, username: string, accept: (secretName: string) => boolean = () => true): Record<string, string> {
    const sealed = secretsFor(this.deps.readModels().secrets, view.serverId, username);
    const allowed = view.config.secretNames ? new Set(view.config.secretNames) : undefined;
    const out: Record<string, string> = {};
    for (const [secretName, record] of sealed) {
      if (allowed && !allowed.has(secretName)) continue;
      if (!accept(secretName)) continue;
      try {
        out[secretName] = this.deps.secretBox.open(record, { username, serverName: view.name, secretName });
      } catch {
        this.deps.logger.error('stored secret cannot be decrypted', { serverName: view.name, username, secretName, keyVersion: record.keyVersion });
        throw new AppError(
          'secret_undecryptable',
          `Stored secret ${secretName} for user ${username} on server ${view.name} cannot be decrypted (is SECRETS_KEY the one it was stored with?); set it again`,
          { serverName: view.name, secretName },
        );
      }
    }
    return out;
  }

  /** Whether the user holds any secret for this registration (no decryption). */
  has(view: ServerView, username: string): boolean {
    return secretsFor(this.deps.readModels().secrets, view.serverId, username).size > 0;
  }
}
