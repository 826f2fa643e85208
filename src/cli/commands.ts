import type { CliCommand } from './cliCommand.js';
import { keysRewrapCommand } from './keysRewrapCommand.js';
import { keysStatusCommand } from './keysStatusCommand.js';

/**
 * Every subcommand of the `mcp-api` CLI. Add yours here (one file per command under src/cli/).
 * The table is the only place that lists them, so `mcp-api help` and dispatch cannot disagree.
 */
export const COMMANDS: readonly CliCommand[] = [keysRewrapCommand, keysStatusCommand];
