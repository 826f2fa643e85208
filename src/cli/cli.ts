#!/usr/bin/env node
import { runCli } from './runCli.js';

runCli(process.argv.slice(2), process.env)
  .then((code) => process.exit(code))
  .catch((e: unknown) => {
    process.stderr.write(`mcp-api: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
