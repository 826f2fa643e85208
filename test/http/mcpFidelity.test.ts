import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONFORMANCE_REFERENCE,
  startConformanceReference,
  type ReferenceServer,
} from '../fixtures/conformanceReference.js';
import { ERA_SELECT, passed, readResults, runSuite, type Check } from '../support/conformance.js';
import { remoteServer } from '../support/remote.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

type Era = '2025-11-25' | '2026-07-28';

/**
 * How the reference server is registered, as a user would: `ref` as a remote Streamable HTTP server (both
 * eras), `refstdio` as a stdio server (how most users run such servers). Over stdio the reference speaks
 * the 2025 protocol only (its 2026-07-28 path is its HTTP handler), so `refstdio` is compared in that era.
 */
const THROUGH: Record<Era, readonly string[]> = { '2025-11-25': ['ref', 'refstdio'], '2026-07-28': ['ref'] };

const UPSTREAM_ERA =
  'the gateway speaks 2026-07-28 to this server over HTTP, and the reference server runs test_sampling and ' +
  'test_elicitation on that path without asking the client (its in-process dispatch has no handler for ' +
  'them); over stdio (2025 upstream) the same scenario passes';
const LISTEN_NOT_SSE =
  "reference server: its subscriptions/listen stream is newline-delimited JSON, not SSE, so the gateway's " +
  'upstream listen is never acknowledged and no list_changed reaches it (a SHOULD-level warning)';
/**
 * What passes directly but not through one of the gateway's per-server endpoints, each with the reason: a
 * whole scenario, or one of its checks (`<scenario> <check id>`), so the scenario's other checks still count.
 * Exact: an entry that no longer fails through the gateway fails the test too (stale entry).
 */
const EXPECTED_LOSSES: Record<Era, Record<string, Record<string, string>>> = {
  '2025-11-25': {
    ref: {
      'elicitation-sep1034-defaults': UPSTREAM_ERA,
      'elicitation-sep1330-enums': UPSTREAM_ERA,
      'tools-call-elicitation': UPSTREAM_ERA,
      'tools-call-sampling': UPSTREAM_ERA,
    },
    refstdio: {},
  },
  '2026-07-28': {
    ref: {
      'server-stateless sep-2575-server-sends-tools-list-changed-on-subscription': LISTEN_NOT_SSE,
      'server-stateless sep-2575-server-sends-prompts-list-changed-on-subscription': LISTEN_NOT_SSE,
    },
  },
};

/** `<scenario> <check id>` for each check that failed (or the scenario alone when it wrote none). */
function failedChecks(scenario: string, checks: readonly Check[] | undefined): string[] {
  const failed = (checks ?? []).filter((c) => c.status !== 'SUCCESS' && c.status !== 'INFO');
  return failed.length === 0 ? [scenario] : [...new Set(failed.map((c) => `${scenario} ${c.id}`))];
}

interface Row {
  readonly scenario: string;
  readonly direct: boolean;
  readonly through: Record<string, boolean>;
}

describe(
  'fidelity: the conformance suite directly against its reference server ' +
    'and through per-server endpoints',
  function () {
    this.timeout(600_000);
    let gw: TestGateway;
    let reference: ReferenceServer;
    let outDir: string;

    before(async () => {
      outDir = await mkdtemp(join(tmpdir(), 'mcp-fidelity-'));
      reference = await startConformanceReference();
      // As in mcpConformance.test.ts: the suite sends no token, so AUTH=none; Host/Origin checks stay on.
      gw = await startTestGateway({
        security: { auth: { mode: 'none' } },
        mcp: { maxSessionsPerUser: 1000, sessionIdleTimeoutMs: 600_000, maxConcurrentCallsPerSession: 16 },
      });
      await gw.request('POST', '/mcp/servers', remoteServer('ref', reference.url));
      await gw.request('POST', '/mcp/servers', {
        name: 'refstdio',
        transportType: 'stdio',
        command: process.execPath,
        args: [CONFORMANCE_REFERENCE, 'stdio'],
        env: {},
      });
      await waitForStatus(gw, 'ref', ['connected']);
      await waitForStatus(gw, 'refstdio', ['connected'], 30_000);
    });
    after(async () => {
      await gw?.close();
      await reference?.close();
      if (outDir) await rm(outDir, { recursive: true, force: true });
    });

    for (const era of ['2025-11-25', '2026-07-28'] as const) {
      it(`${era}: every scenario that passes directly passes through /mcp/servers/:name/mcp`, async () => {
        const select = ERA_SELECT[era];
        const names = THROUGH[era];
        const dir = (target: string) => join(outDir, `${era}-${target}`);
        await Promise.all([
          runSuite(reference.url, select, dir('direct')),
          ...names.map((name) => runSuite(`${gw.url}/mcp/servers/${name}/mcp`, select, dir(name))),
        ]);
        const direct = await readResults(dir('direct'));
        const through = await Promise.all(names.map((name) => readResults(dir(name))));
        const scenarios = [...new Set([...direct.keys(), ...through.flatMap((r) => [...r.keys()])])].sort();
        const rows: Row[] = scenarios.map((scenario) => ({
          scenario,
          direct: passed(direct.get(scenario)),
          through: Object.fromEntries(names.map((name, i) => [name, passed(through[i]?.get(scenario))])),
        }));
        const report = process.env.FIDELITY_REPORT;
        if (report) await writeFile(`${report}-${era}.json`, JSON.stringify(rows, null, 1));
        expect(rows.filter((r) => r.direct).length, 'scenarios passing directly').to.be.greaterThan(20);
        names.forEach((name, i) => {
          const expected = EXPECTED_LOSSES[era][name] ?? {};
          const lost = rows
            .filter((r) => r.direct && !r.through[name])
            .flatMap((r) => failedChecks(r.scenario, through[i]?.get(r.scenario)));
          const covered = (loss: string) => loss in expected || loss.split(' ')[0]! in expected;
          const stale = Object.keys(expected).filter(
            (key) => !lost.some((loss) => loss === key || loss.startsWith(`${key} `)),
          );
          expect(
            lost.filter((loss) => !covered(loss)),
            `pass directly but not through /mcp/servers/${name}/mcp`,
          ).to.deep.equal([]);
          expect(stale, `listed as expected losses of ${name} but pass through the gateway`).to.deep.equal(
            [],
          );
        });
      });
    }
  },
);
