import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConformanceTaskServer } from '../../fixtures/taskFixtures.js';
import { startRemoteMcpServer, type RemoteMcpServer } from '../../fixtures/remoteMcpServer.js';
import { remoteServer } from '../../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../../support/testGateway.js';
import { RELAYED_CAPABILITIES } from '../relay/relayUpstreams.js';

const require = createRequire(import.meta.url);
/** As in test/http/mcpConformance.test.ts: the suite's bundle needs `fs.globSync` (Node 22) at load time. */
const NODE20_SHIM = fileURLToPath(new URL('../../support/conformanceNode20/register.js', import.meta.url));
const NODE_ARGS = Number(process.versions.node.split('.')[0]) >= 22 ? [] : ['--import', NODE20_SHIM];
const SUITE = join(
  dirname(require.resolve('@modelcontextprotocol/conformance/package.json')),
  'dist',
  'index.js',
);

/**
 * The suite's tasks-extension scenarios (SEP-2663; not on the spec timeline, so `--force`) call tools by
 * their bare names: they run against the per-server endpoint in front of a 2025-era upstream whose
 * task-capable tools the gateway runs as its own tasks. Not here: tasks-required-task-error (the gateway
 * serves a task-only tool plainly instead of -32021: it runs the task upstream itself) and the
 * input-request scenarios (tasks-mrtr-*: several questions at once from one call are not relayed).
 */
const SCENARIOS = ['tasks-lifecycle', 'tasks-wire-fields', 'tasks-capability-negotiation'];

function runScenario(url: string, scenario: string, home: string): Promise<{ code: number; output: string }> {
  const args = [...NODE_ARGS, SUITE, 'server', '--url', url, '--scenario', scenario];
  args.push('--spec-version', '2026-07-28', '--force', '-o', join(home, scenario));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024, env: { PATH: process.env.PATH ?? '', HOME: home } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe('the conformance suite’s tasks-extension scenarios through /mcp/servers/:name/mcp', function () {
  this.timeout(180_000);
  let gw: TestGateway;
  let upstream: RemoteMcpServer;
  let home: string;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mcp-task-conformance-'));
    // The suite sends no bearer token: AUTH=none, as in the main conformance run.
    gw = await startTestGateway({
      security: { auth: { mode: 'none' } },
      upstreamCapabilities: RELAYED_CAPABILITIES,
      mcp: { maxSessionsPerUser: 1000, sessionIdleTimeoutMs: 600_000, maxConcurrentCallsPerSession: 16 },
    });
    upstream = await startRemoteMcpServer({ mode: 'streamable', build: buildConformanceTaskServer });
    await gw.request('POST', '/mcp/servers', remoteServer('tl', upstream.url));
    await waitForStatus(gw, 'tl', ['connected']);
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  for (const scenario of SCENARIOS) {
    it(`passes ${scenario}`, async () => {
      const { code, output } = await runScenario(`${gw.url}/mcp/servers/tl/mcp`, scenario, home);
      expect(code, output.slice(-6000)).to.equal(0);
      expect(output).to.match(/Passed: (\d+)\/\1, 0 failed/);
    });
  }
});
