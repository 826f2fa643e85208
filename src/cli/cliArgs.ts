import type * as z from 'zod';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  readonly options: Record<string, string | true>;
  readonly positionals: string[];
}

/** `--name value`, `--name=value`, and bare `--flag` for the names listed in `flags`. */
export function parseArgs(args: readonly string[], flags: readonly string[] = []): ParsedArgs {
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--') || arg === '--' || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (eq !== -1) options[name] = arg.slice(eq + 1);
    else if (flags.includes(name)) options[name] = true;
    else {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      options[name] = value;
      i++;
    }
  }
  return { options, positionals };
}

/** Validates options with a (strict) zod object; problems name the option, never echo values. */
export function parseOptions<T extends z.ZodType>(
  schema: T,
  options: Record<string, string | true>,
): z.infer<T> {
  const result = schema.safeParse(options);
  if (result.success) return result.data;
  throw new UsageError(
    result.error.issues
      .map((i) => {
        const keys = (i as { keys?: string[] }).keys;
        const where = keys?.length
          ? keys.map((k) => `--${k}`).join(', ')
          : i.path.length
            ? `--${i.path.join('.')}`
            : 'options';
        return `${where}: ${i.message}`;
      })
      .join('; '),
  );
}
