import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

/** What a subcommand gets: parsed argv after its name, the validated config, and where to write. */
export interface CliContext {
  readonly args: readonly string[];
  readonly config: Config;
  /** Diagnostics (JSON lines) go to stderr so stdout stays machine-readable (NDJSON, tables). */
  readonly logger: Logger;
  readonly out: (text: string) => void;
}

export interface CliCommand {
  /** Words that select it, e.g. ['projections', 'rebuild']. */
  readonly name: readonly string[];
  readonly summary: string;
  /** Options after the command words, for `mcp-api <command> --help` and usage errors. */
  readonly usage?: string;
  /** Resolves to the process exit code. */
  run(context: CliContext): Promise<number>;
}
