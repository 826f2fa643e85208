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

/**
 * An access policy over a catalogue server "cat": everyone may use everything, but bob neither `mem://blob`
 * (a resource) nor `greet` (a prompt).
 */
export const BOB_DENIED_POLICY = {
  rules: [
    { id: 'all', effect: 'allow', subjects: ['*'], server: '*', kind: '*', name: '*' },
    {
      id: 'blob',
      effect: 'deny',
      subjects: ['user:bob'],
      server: 'cat',
      kind: 'resource',
      name: 'mem://blob',
    },
    { id: 'greet', effect: 'deny', subjects: ['user:bob'], server: 'cat', kind: 'prompt', name: 'greet' },
  ],
};
