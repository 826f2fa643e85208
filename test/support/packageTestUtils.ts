import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestGateway } from './testGateway.js';

const pick = (...keys: string[]): NodeJS.ProcessEnv =>
  Object.fromEntries(keys.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));

/** A parent env for gateways that install packages: a temp HOME (fresh npm/pip caches), a canary SECRETS_KEY. */
export async function packageTestEnv(): Promise<{
  env: NodeJS.ProcessEnv;
  home: string;
  cleanup: () => Promise<void>;
}> {
  const home = await mkdtemp(join(tmpdir(), 'mcp-pkg-home-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: process.env.LANG,
    // What this machine needs to reach the real npm registry (a proxy with its own CA); the gateway passes these on.
    ...pick(
      'NODE_EXTRA_CA_CERTS',
      'SSL_CERT_FILE',
      'SSL_CERT_DIR',
      'HTTPS_PROXY',
      'HTTP_PROXY',
      'NO_PROXY',
      'https_proxy',
      'http_proxy',
      'no_proxy',
    ),
    SECRETS_KEY: 'canary-secrets-key-must-never-reach-npm-0123456789',
    MONGO_PASS: 'canary-mongo-password-4711',
  };
  return { env, home, cleanup: () => rm(home, { recursive: true, force: true }) };
}

export const toolNames = (server: Record<string, unknown>): string[] =>
  ((server.toolsList as Array<{ name: string }>) ?? []).map((t) => t.name).sort();

export async function callText(
  gw: TestGateway,
  serverName: string,
  methodName: string,
  args: Record<string, unknown>,
): Promise<string> {
  const res = await gw.request('POST', '/mcp/tool/call', { serverName, methodName, args });
  if (res.status !== 200) throw new Error(`tool call failed: ${res.status} ${res.text}`);
  return (res.body.data as { content: Array<{ text: string }> }).content[0]!.text;
}

/** Every path under dir (relative), for "nothing written outside the root" checks. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.map(String).sort();
}

/** Reads a text/event-stream response to its end as [{event, data}]. */
export async function readEvents(
  res: Response,
): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event:'))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as Record<string, unknown>;
      return { event, data };
    });
}
