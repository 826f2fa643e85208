import { AppError } from '../errors.js';
import { secretCountFor, secretsFor } from '../projections/secretsProjection.js';
import type { AppDeps } from './appDeps.js';

/**
 * Per-user limits, checked against the read model: concurrent requests adding new names can
 * overshoot the count by at most their number. Overwriting an existing secret always works.
 */
export function checkLimits(
  deps: AppDeps,
  username: string,
  serverId: string,
  secretName: string,
  value: string,
): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > deps.security.maxSecretValueBytes) {
    throw new AppError(
      'secret_too_large',
      `secretValue is ${bytes} bytes; the limit is ${deps.security.maxSecretValueBytes}`,
      {
        limit: deps.security.maxSecretValueBytes,
      },
    );
  }
  const models = deps.projector.readModels;
  if (secretsFor(models.secrets, serverId, username).has(secretName)) return;
  if (secretCountFor(models.secrets, username) >= deps.security.maxSecretsPerUser) {
    throw new AppError(
      'limit_exceeded',
      `User ${username} already has ${deps.security.maxSecretsPerUser} secrets, the most allowed; delete one first`,
      {
        limit: deps.security.maxSecretsPerUser,
      },
    );
  }
}
