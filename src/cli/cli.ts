#!/usr/bin/env node
import { withSecretFiles } from '../sandboxConfig.js';
import { runCli } from './runCli.js';

// Exit only once stdout is flushed: a piped NDJSON export must not lose its tail.
const exit = (code: number): void => void process.stdout.write('', () => process.exit(code));

Promise.resolve()
  .then(() => runCli(process.argv.slice(2), withSecretFiles(process.env)))
  .then(exit)
  .catch((e: unknown) => {
    process.stderr.write(`mcp-api: ${e instanceof Error ? e.message : String(e)}\n`);
    exit(1);
  });
