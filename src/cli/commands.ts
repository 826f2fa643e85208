import type { CliCommand } from './cliCommand.js';
import { eventsExportCommand } from './eventsExportCommand.js';
import { eventsImportCommand } from './eventsImportCommand.js';
import { eventsListCommand } from './eventsListCommand.js';
import { eventsTailCommand } from './eventsTailCommand.js';
import { projectionsRebuildCommand } from './projectionsRebuildCommand.js';
import { replayCommand } from './replayCommand.js';
import { verifyCommand } from './verifyCommand.js';
import { keysRewrapCommand } from './keysRewrapCommand.js';
import { keysStatusCommand } from './keysStatusCommand.js';
import { auditCallsCommand } from './auditCallsCommand.js';

/**
 * Every subcommand of the `mcp-api` CLI. Add yours here (one file per command under src/cli/).
 * The table is the only place that lists them, so `mcp-api help` and dispatch cannot disagree.
 */
export const COMMANDS: readonly CliCommand[] = [
  { ...eventsListCommand, name: ['events'], summary: 'same as events list' },
  eventsListCommand,
  eventsTailCommand,
  eventsExportCommand,
  eventsImportCommand,
  projectionsRebuildCommand,
  replayCommand,
  verifyCommand,
  keysRewrapCommand,
  keysStatusCommand,
  auditCallsCommand,
];
