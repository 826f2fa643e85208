import * as z from 'zod';

export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/**
 * AES-256-GCM output; all binary fields base64. Never plaintext. `keyVersion` is the master key
 * version; `dataKeyId` names the owner's data key it was sealed with (absent on records written
 * before per-user data keys, which were sealed with the master key directly).
 */
export const SealedSchema = z.object({
  keyVersion: z.number().int().positive(),
  dataKeyId: z.string().min(1).max(64).optional(),
  iv: z.string().min(1),
  tag: z.string().min(1),
  data: z.string(),
});
export type Sealed = z.infer<typeof SealedSchema>;

const ref = {
  serverId: z.string().min(1),
  serverName: z.string().min(1),
  username: z.string().regex(USERNAME),
  secretName: z.string().regex(SECRET_NAME),
};

export const SecretSet = z.object({ ...ref, sealed: SealedSchema });
export const SecretDeleted = z.object(ref);
/** The same value sealed again under the newest key version (`mcp-api keys rewrap`). */
export const SecretRewrapped = z.object({
  ...ref,
  sealed: SealedSchema,
  fromKeyVersion: z.number().int().positive(),
});
export type SecretSetData = z.infer<typeof SecretSet>;
export type SecretDeletedData = z.infer<typeof SecretDeleted>;

/**
 * One stream per (server registration, user). The serverId (a UUID, new on every registration)
 * keeps a re-registered server from inheriting secrets stored for an earlier server of that name.
 */
export const secretStreamId = (serverId: string, username: string): string =>
  `secrets-${serverId}-${username}`;
