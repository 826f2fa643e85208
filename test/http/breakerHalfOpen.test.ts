import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FIXTURE_SERVER } from '../runtime/processTestUtils.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

describe('the crash-loop breaker half-opens after its cool-down', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-breaker-'));
    gw = await startTestGateway({
      policy: { breakerThreshold: 2, breakerWindowMs: 10_000, breakerCooldownMs: 1500 },
    });
  });
  after(async () => {
    await gw.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('tries one run after the cool-down and is back without an admin once the cause is gone', async () => {
    const broken = join(dir, 'broken');
    await writeFile(broken, '');
    // Crashes at start while the marker file exists (a bad input, a missing dependency...), else runs the fixture.
    const script =
      `if (require('fs').existsSync(${JSON.stringify(broken)})) process.exit(1); ` +
      `import(${JSON.stringify(pathToFileURL(FIXTURE_SERVER).href)});`;
    const res = await gw.request('POST', '/mcp/servers', {
      name: 'flaky',
      command: process.execPath,
      args: ['-e', script],
    });
    expect(res.status, res.text).to.equal(200);
    const opened = await waitForStatus(gw, 'flaky', ['error']);
    expect(opened.statusMessage).to.contain('one trial run in 1500 ms');
    await rm(broken);
    const back = await waitForStatus(gw, 'flaky', ['connected'], 20_000);
    expect((back.toolsList as unknown[]).length).to.be.greaterThan(0);
  });
});
