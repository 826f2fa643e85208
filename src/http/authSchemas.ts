import * as z from 'zod';
import { TOKEN_ID } from '../events/tokenEvents.js';
import { serverNameSchema, usernameSchema } from './serverSchemas.js';

/** POST /auth/tokens. */
export const IssueTokenBody = z.object({
  username: usernameSchema,
  label: z.string().min(1).max(200).optional(),
  expiresAt: z
    .string()
    .max(64)
    .refine((s) => !Number.isNaN(Date.parse(s)), 'expiresAt must be an ISO-8601 date-time')
    .optional(),
});

export const TokenListQuery = z.object({ username: usernameSchema.optional() });
export const tokenIdSchema = z.string().regex(TOKEN_ID, 'token ids are 32 lower-case hex characters');

/** POST /auth/google/link. */
export const GoogleLinkBody = z.object({
  username: usernameSchema.optional(),
  serverName: serverNameSchema.optional(),
});

/** GET /auth/google/login. */
export const GoogleLoginQuery = z.object({
  user_id: usernameSchema.optional(),
  server: serverNameSchema.optional(),
  link: z.string().max(1024).optional(),
});

/** GET /auth/google/callback. Google sends `error` instead of `code` when the user declines. */
export const GoogleCallbackQuery = z.object({
  state: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'state is not one this gateway issued'),
  code: z.string().min(1).max(4096).optional(),
  error: z.string().max(256).optional(),
});
