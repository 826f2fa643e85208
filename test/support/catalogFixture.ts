import { fileURLToPath } from 'node:url';

export const CATALOG_SERVER = fileURLToPath(new URL('../fixtures/catalogServer.js', import.meta.url));

/** Body for POST /mcp/servers registering the catalogue fixture (resources, prompts, completions). */
export const catalogServer = (name: string, env: Record<string, string> = {}): Record<string, unknown> => ({
  name,
  transportType: 'stdio',
  command: process.execPath,
  args: [CATALOG_SERVER],
  env,
});
