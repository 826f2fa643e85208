import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { UsageError } from './cliArgs.js';
import type { CliCommand } from './cliCommand.js';
import { COMMANDS } from './commands.js';

/** `mcp-api <command words> [options]`: operator tools working on the configured store. */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  commands: readonly CliCommand[] = COMMANDS,
): Promise<number> {
  const out = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  const match = commands
    .filter((c) => c.name.every((word, i) => argv[i] === word))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (!match || argv[0] === 'help' || argv[0] === '--help') {
    out('usage: mcp-api <command> [options]\n\ncommands:');
    for (const c of commands) out(`  ${c.name.join(' ').padEnd(24)} ${c.summary}`);
    return match || argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' ? 0 : 2;
  }
  const usage = `usage: mcp-api ${match.name.join(' ')} ${match.usage ?? ''}`.trimEnd();
  const args = argv.slice(match.name.length);
  if (args.includes('--help')) {
    out(`${usage}\n\n${match.summary}`);
    return 0;
  }
  const config = loadConfig(env);
  const logger = createLogger({
    level: config.LOG_LEVEL,
    write: (line) => process.stderr.write(line + '\n'),
  });
  try {
    return await match.run({ args, config, logger, out });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`mcp-api: ${e.message}\n${usage}\n`);
    return 2;
  }
}
