import * as z from 'zod';
import { GROUP } from '../events/identityEvents.js';
import { PolicyRuleSchema } from '../events/policyEvents.js';
import { usernameSchema } from './serverSchemas.js';

const groups = z
  .array(z.string().regex(GROUP, 'group names are 1-128 letters, digits, spaces or . _ @ + : / -'))
  .max(200);

export const RegisterUserBody = z.object({ username: usernameSchema, groups: groups.optional() }).strict();
export const SetGroupsBody = z.object({ groups }).strict();
export const SetPolicyBody = z.object({ rules: z.array(PolicyRuleSchema).max(1000) }).strict();
export const PolicyCheckBody = z
  .object({
    username: usernameSchema,
    server: z.string().min(1).max(256),
    kind: z.enum(['tool', 'resource', 'prompt']).default('tool'),
    name: z.string().min(1).max(512),
  })
  .strict();
