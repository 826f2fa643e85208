import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gatewayWithEverything } from '../../support/everythingServer.js';
import type { TestGateway } from '../../support/testGateway.js';

const require = createRequire(import.meta.url);
/** The MCP Inspector's command line (`npx @modelcontextprotocol/inspector-cli --cli <url> ...`). */
const INSPECTOR = join(
  dirname(require.resolve('@modelcontextprotocol/inspector-cli/package.json')),
  'build',
  'cli.js',
);

type Json = Record<string, unknown>;

/**
 * One Inspector run. Inspector CLI 1.0.3 finds its own package.json by testing `../package.json` against the
 * working directory but importing it relative to its module: from its build/ folder both agree (elsewhere it
 * fails with "Cannot find module .../@modelcontextprotocol/package.json" unless the cwd's parent has one).
 * Its launcher runs the CLI proper as a child: both are in their own process group, killed together if the
 * run outlives its deadline.
 */
function runInspector(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [INSPECTOR, '--cli', ...args], {
    cwd: dirname(INSPECTOR),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const deadline = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

describe('MCP Inspector CLI through /mcp with a bearer token, in front of server-everything (stdio)', function () {
  this.timeout(120_000);
  let gw: TestGateway;

  /** The Inspector against /mcp with the token; it prints the result as JSON. */
  const inspect = async (...args: string[]): Promise<Json> => {
    const auth = ['--header', `Authorization: Bearer ${gw.adminToken}`];
    const run = await runInspector([`${gw.url}/mcp`, '--transport', 'http', ...auth, ...args]);
    if (run.code !== 0) throw new Error(`inspector ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
    try {
      return JSON.parse(run.stdout) as Json;
    } catch {
      throw new Error(`inspector ${args.join(' ')} printed no JSON: ${run.stdout}\n${run.stderr}`);
    }
  };

  before(async () => {
    gw = await gatewayWithEverything();
  });
  after(async () => {
    await gw?.close();
  });

  it('tools/list and tools/call', async () => {
    const { tools } = (await inspect('--method', 'tools/list')) as { tools: Array<{ name: string }> };
    expect(tools.map((t) => t.name)).to.include('everything__echo');
    const called = await inspect(
      '--method',
      'tools/call',
      '--tool-name',
      'everything__echo',
      '--tool-arg',
      'message=through the gateway',
    );
    expect(JSON.stringify(called)).to.contain('through the gateway');
  });

  it('resources/list, resources/templates/list and resources/read', async () => {
    const { resources } = (await inspect('--method', 'resources/list')) as {
      resources: Array<{ uri: string }>;
    };
    const uri = resources
      .map((r) => r.uri)
      .find((u) => u.startsWith('mcp-api://everything/demo://resource/static'));
    expect(uri, JSON.stringify(resources.slice(0, 3))).to.be.a('string');
    const templates = await inspect('--method', 'resources/templates/list');
    expect(JSON.stringify(templates)).to.contain('mcp-api://everything/demo://resource/dynamic/text/');
    const read = (await inspect('--method', 'resources/read', '--uri', String(uri))) as {
      contents: Array<{ uri: string }>;
    };
    expect(read.contents[0]?.uri).to.equal(uri);
  });

  it('prompts/list and prompts/get', async () => {
    const { prompts } = (await inspect('--method', 'prompts/list')) as { prompts: Array<{ name: string }> };
    expect(prompts.map((p) => p.name)).to.include('everything__args-prompt');
    const got = await inspect(
      '--method',
      'prompts/get',
      '--prompt-name',
      'everything__args-prompt',
      '--prompt-args',
      'city=Lyon',
    );
    expect(JSON.stringify(got)).to.contain('Lyon');
  });

  it('is refused without the token', async () => {
    const run = await runInspector([`${gw.url}/mcp`, '--transport', 'http', '--method', 'tools/list']);
    const refused = `${run.code === 0 ? 'succeeded' : 'failed'}: ${run.stdout}${run.stderr}`;
    expect(refused).to.match(/^failed: /);
    expect(refused).to.match(/401|Unauthorized|unauthori[sz]ed/i);
  });
});
