import * as z from 'zod';

/** `*` is the only wildcard; names stay printable and short so rules read well in the audit log. */
const pattern = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
const subject = z.union([
  z.literal('*'),
  z.string().regex(/^user:[\x21-\x7e]{1,200}$/, 'user:<pattern>'),
  z.string().regex(/^group:[\x21-\x7e]{1,200}$/, 'group:<pattern>'),
]);

export const PolicyRuleSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'rule ids are 1-64 letters, digits, . _ -'),
  effect: z.enum(['allow', 'deny']),
  subjects: z.array(subject).min(1).max(100),
  server: pattern,
  kind: z.enum(['tool', 'resource', 'prompt', '*']),
  name: pattern,
});

/** The admin replaced the whole rule set (an empty set restores "everyone sees everything"). */
export const AccessPolicySet = z.object({ rules: z.array(PolicyRuleSchema).max(1000) });

export const POLICY_STREAM = 'policy';
