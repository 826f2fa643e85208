import * as z from 'zod';
import { USERNAME } from './secretEvents.js';

const username = z.string().regex(USERNAME);
export const GROUP = /^[A-Za-z0-9][A-Za-z0-9._@+:/ -]{0,127}$/;
const groups = z.array(z.string().regex(GROUP)).max(200);

/** A user exists: registered by an admin, or on their first sign-in through the identity provider. */
export const UserRegistered = z.object({ username, source: z.enum(['admin', 'oidc']) });

/** The admin-managed groups of a user (replaces the previous set). */
export const UserGroupsSet = z.object({ username, groups });

/**
 * A user signed in through the identity provider. `idpGroups` (from the groups claim) replace the
 * ones of the previous sign-in; `subjectHash` is SHA-256 of `issuer + " " + sub`, so the log shows
 * which account signed in without naming it at the provider.
 */
export const UserSignedIn = z.object({
  username,
  subjectHash: z.string().regex(/^[0-9a-f]{64}$/),
  idpGroups: groups,
});
