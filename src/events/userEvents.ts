import * as z from 'zod';
import { USERNAME } from './secretEvents.js';

/**
 * An admin deleted a user. Their data keys were destroyed before this was recorded, so every
 * ciphertext they stored is unreadable; projections drop their secrets and tokens.
 */
export const UserDeleted = z.object({ username: z.string().regex(USERNAME) });

export const userStreamId = (username: string): string => `user-${username}`;
