import fs from 'node:fs';
import { basename } from 'node:path';

export * from 'node:fs';
export default fs;

/**
 * The one pattern shape the suite globs (`**\/<file name>`, when it summarizes result folders): the
 * relative paths of every file of that name under `cwd`. Anything else fails loudly.
 */
export function globSync(pattern: string, options: { cwd?: string } = {}): string[] {
  const match = /^\*\*\/([^*?[\]{}/]+)$/.exec(pattern);
  if (!match) throw new Error(`globSync shim (Node 20): unsupported pattern ${pattern}`);
  const name = match[1];
  const entries = fs.readdirSync(options.cwd ?? '.', { recursive: true, encoding: 'utf8' });
  return entries.filter((entry) => basename(entry) === name);
}
