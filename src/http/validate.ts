import type * as z from 'zod';
import { AppError } from '../errors.js';

/**
 * Parses untrusted input with a zod schema; failures become one 400 naming each bad field.
 * Messages name paths and expectations only, never the offending values (they may be secrets).
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : what;
    return `${path}: ${issue.message}`;
  });
  throw new AppError('invalid_request', `Invalid ${what}: ${problems.join('; ')}`, { problems });
}
