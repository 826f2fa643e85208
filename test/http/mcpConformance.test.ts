import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseline, ERA_SELECT, readResults, runSuite } from '../support/conformance.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

interface Era {
  readonly name: keyof typeof ERA_SELECT;
  /** Protocol-level scenarios that mean something for any gateway: they must pass, never be baselined. */
  readonly required: readonly string[];
}

const ERAS: readonly Era[] = [
  {
    name: '2025-11-25',
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
    it(
      `${era.name}: passes every protocol-level scenario ` +
        `and fails only the scenarios baselined (with reasons) ` +
        `in test/conformance/expected-failures-${era.name}.yml`,
      async () => {
        const listed = await readFile(baseline(era.name), 'utf8');
        for (const scenario of era.required)
          expect(listed, `${scenario} must not be baselined`).to.not.match(
            new RegExp(`^\\s*-\\s*${scenario}\\b`, 'm'),
          );

        const dir = join(outDir, era.name);
        const { code, output } = await runSuite(`${gw.url}/mcp`, ERA_SELECT[era.name], dir, [
          '--expected-failures',
          baseline(era.name),
        ]);
        expect(code, output.slice(-8000)).to.equal(0);
        const results = await readResults(dir);
        for (const scenario of era.required) {
          const checks = results.get(scenario);
          expect(checks, `${scenario} did not run`).to.be.an('array').that.is.not.empty;
          const failed = (checks ?? []).filter((c) => c.status !== 'SUCCESS' && c.status !== 'INFO');
          expect(failed, `${scenario}: ${JSON.stringify(failed)}`).to.deep.equal([]);
        }
      },
    );
  }
});
