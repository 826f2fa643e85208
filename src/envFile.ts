import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * The settings: `.env` in the working directory when present (the reference setup's
 * `cp example.env .env`), with real environment variables winning. process.env itself is left as is.
 */
export function readEnvironment(): { env: NodeJS.ProcessEnv; fromFile: number } {
  let text: string;
  try {
    text = readFileSync('.env', 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { env: process.env, fromFile: 0 };
    throw new Error(`.env cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const file = parseEnv(text);
  const fromFile = Object.keys(file).filter((k) => process.env[k] === undefined).length;
  return { env: { ...file, ...process.env }, fromFile };
}
