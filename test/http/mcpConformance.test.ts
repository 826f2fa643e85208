import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

const require = createRequire(import.meta.url);
/**
 * The suite's bundle imports `globSync` from `fs` (Node >= 22) at load time; its `server` command never
 * calls it. On Node 20 a loader hook gives the suite an `fs` with a small globSync, so the suite runs on
 * the Node the gateway runs on (no second Node binary to install).
 */
const NODE20_SHIM = fileURLToPath(new URL('../support/conformanceNode20/register.js', import.meta.url));
const NODE_ARGS = Number(process.versions.node.split('.')[0]) >= 22 ? [] : ['--import', NODE20_SHIM];
const SUITE = join(
  dirname(require.resolve('@modelcontextprotocol/conformance/package.json')),
  'dist',
  'index.js',
);
const baseline = (era: string): string =>
  fileURLToPath(new URL(`../../../test/conformance/expected-failures-${era}.yml`, import.meta.url));

interface Era {
  readonly name: string;
  /** How the suite selects the scenarios of this era. */
  readonly select: readonly string[];
  /** Protocol-level scenarios that mean something for any gateway: they must pass, never be baselined. */
  readonly required: readonly string[];
}

const ERAS: readonly Era[] = [
  {
    name: '2025-11-25',
    select: ['--spec-version', '2025-11-25'],
    required: [
      'server-initialize',
      'server-session-lifecycle',
      'logging-set-level',
      'ping',
      'tools-list',
      'server-sse-multiple-streams',
      'dns-rebinding-protection',
    ],
  },
  {
    name: '2026-07-28',
    select: ['--requirements', '2026-07-28'],
    required: [
      'tools-list',
      'http-header-validation',
      'server-sse-multiple-streams',
      'dns-rebinding-protection',
      'input-required-result-unsupported-methods',
      'input-required-result-validate-input',
    ],
  },
];

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

function runSuite(url: string, era: Era, outDir: string): Promise<{ code: number; output: string }> {
  const args = [
    ...NODE_ARGS,
    SUITE,
    'server',
    '--url',
    url,
    ...era.select,
    '--expected-failures',
    baseline(era.name),
    '-o',
    outDir,
  ];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024, env: { PATH: process.env.PATH ?? '', HOME: outDir } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

/** scenario → its checks, from the per-scenario checks.json files the suite writes. */
async function readResults(outDir: string): Promise<Map<string, Check[]>> {
  const results = new Map<string, Check[]>();
  for (const entry of (await readdir(outDir)).filter((e) => e.startsWith('server-'))) {
    const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    results.set(scenario, JSON.parse(await readFile(join(outDir, entry, 'checks.json'), 'utf8')) as Check[]);
  }
  return results;
}

describe('the official MCP conformance suite against /mcp, in both protocol eras', function () {
  this.timeout(300_000);
  let gw: TestGateway;
  let outDir: string;

  before(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'mcp-conformance-'));
    // The suite cannot send a bearer token: the gateway runs with AUTH=none here (every request acts
    // as the admin), which changes nothing the protocol scenarios look at. Host/Origin checks stay on.
    // It opens a legacy session per scenario and never ends one (as the Inspector CLI does), so the
    // per-user session cap is raised: the cap is tested in mcpSessions.test.ts.
    gw = await startTestGateway({
      security: { auth: { mode: 'none' } },
      mcp: { maxSessionsPerUser: 1000, sessionIdleTimeoutMs: 600_000, maxConcurrentCallsPerSession: 16 },
    });
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
    await waitForStatus(gw, 'fx', ['connected']);
  });
  after(async () => {
    await gw?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  for (const era of ERAS) {
    it(`${era.name}: passes every protocol-level scenario and fails only the scenarios baselined (with reasons) in test/conformance/expected-failures-${era.name}.yml`, async () => {
      const listed = await readFile(baseline(era.name), 'utf8');
      for (const scenario of era.required)
        expect(listed, `${scenario} must not be baselined`).to.not.match(
          new RegExp(`^\\s*-\\s*${scenario}\\b`, 'm'),
        );

      const dir = join(outDir, era.name);
      const { code, output } = await runSuite(`${gw.url}/mcp`, era, dir);
      expect(code, output.slice(-8000)).to.equal(0);
      const results = await readResults(dir);
      for (const scenario of era.required) {
        const checks = results.get(scenario);
        expect(checks, `${scenario} did not run`).to.be.an('array').that.is.not.empty;
        const failed = (checks ?? []).filter((c) => c.status !== 'SUCCESS' && c.status !== 'INFO');
        expect(failed, `${scenario}: ${JSON.stringify(failed)}`).to.deep.equal([]);
      }
    });
  }
});
