import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURE_SERVER, waitFor } from '../processTestUtils.js';
import { startTestGateway, waitForStatus, type TestGateway } from '../../support/testGateway.js';

/** Everything the gateway wrote that a reader other than the caller may see. */
async function everythingWritten(gw: TestGateway): Promise<string> {
  const audit = await readdir(join(gw.dataDir, 'audit')).catch(() => [] as string[]);
  const files = await Promise.all(audit.map((f) => readFile(join(gw.dataDir, 'audit', f), 'utf8')));
  const events = await readFile(join(gw.dataDir, 'events', 'events.log'), 'utf8');
  return [gw.logs.join('\n'), events, ...files].join('\n');
}

describe('an upstream error quoting the secrets the gateway injected', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.close();
  });

  const failQuoting = (server: string, username: string, args: Record<string, unknown>) =>
    gw.request('POST', '/mcp/tool/call', { serverName: server, methodName: 'fail_quoting', args, username });

  it(
    'secret in the arguments: ' +
      'the error body, the log lines, the audit trail and the server logs never show it',
    async () => {
      const canary = 'CANARY-ARG-SECRET-7f3a9c21';
      await gw.request('POST', '/mcp/servers', {
        name: 'quoting',
        command: process.execPath,
        args: [FIXTURE_SERVER],
        env: { FIXTURE_QUOTING: '1' },
      });
      await waitForStatus(gw, 'quoting', ['connected']);
      await gw.request('POST', '/secrets/set', {
        username: 'alice',
        serverName: 'quoting',
        secretName: 'apiKey',
        secretValue: canary,
      });
      const res = await failQuoting('quoting', 'alice', { note: 'visible' });
      expect(res.status, res.text).to.equal(502);
      expect(res.body.code).to.equal('upstream_error');
      expect(res.text).to.contain('visible').and.contain('[REDACTED]').and.not.contain(canary);
      const server = await waitForStatus(gw, 'quoting', ['connected']);
      await waitFor(() => (server.logs as string[]).some((l) => l.includes('rejected')), 'stderr line');
      expect((server.logs as string[]).join('\n'))
        .to.contain('[redacted]')
        .and.not.contain(canary);
      expect(await everythingWritten(gw)).to.not.contain(canary);
    },
  );

  it("per-user process: the user's secret from its environment is scrubbed from the error too", async () => {
    const canary = 'CANARY-ENV-SECRET-5d8e0b44';
    await gw.request('POST', '/mcp/servers', {
      name: 'quoting-env',
      command: process.execPath,
      args: [FIXTURE_SERVER],
      env: { FIXTURE_QUOTING: '1' },
      secretDelivery: 'env',
      secretNames: ['API_TOKEN'],
    });
    await waitForStatus(gw, 'quoting-env', ['connected']);
    await gw.request('POST', '/secrets/set', {
      username: 'bob',
      serverName: 'quoting-env',
      secretName: 'API_TOKEN',
      secretValue: canary,
    });
    const res = await failQuoting('quoting-env', 'bob', { env: 'API_TOKEN' });
    expect(res.status, res.text).to.equal(502);
    expect(res.text).to.contain('API_TOKEN=[REDACTED]').and.not.contain(canary);
    const logs = async (): Promise<string> =>
      ((await waitForStatus(gw, 'quoting-env', ['connected'])).logs as string[]).join('\n');
    let seen = '';
    for (let i = 0; i < 100 && !seen.includes('rejected'); i++) {
      seen = await logs();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen).to.contain('API_TOKEN=[redacted]').and.not.contain(canary);
    expect(await everythingWritten(gw)).to.not.contain(canary);
  });
});
