import * as z from 'zod';

export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/** AES-256-GCM output; all binary fields base64. Never plaintext. */
export const SealedSchema = z.object({
  keyVersion: z.number().int().positive(),
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
export type SecretSetData = z.infer<typeof SecretSet>;
export type SecretDeletedData = z.infer<typeof SecretDeleted>;

/**
 * One stream per (server registration, user). The serverId (a UUID, new on every registration)
 * keeps a re-registered server from inheriting secrets stored for an earlier server of that name.
 */
export const secretStreamId = (serverId: string, username: string): string => `secrets-${serverId}-${username}`;
