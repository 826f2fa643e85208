import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { call } from '../../support/remote.js';
import {
  fixtureServer,
  startTestGateway,
  waitForStatus,
  type TestGateway,
} from '../../support/testGateway.js';

async function auditLines(gw: TestGateway): Promise<Array<Record<string, unknown>>> {
  const dir = join(gw.dataDir, 'audit');
  const files = await readdir(dir).catch(() => [] as string[]);
  const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return texts
    .join('\n')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('a crash caused by one user input is attributed to that user', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.close();
  });

  it(
    'logs and audits the caller, the tool and the argument names (never the values) ' +
      'of the call that crashed a shared server',
    async () => {
      await gw.request('POST', '/mcp/servers', fixtureServer('shared'));
      await waitForStatus(gw, 'shared', ['connected']);
      const res = await call(gw, 'shared', 'crash', {}, 'mallory');
      expect(res.status, res.text).to.equal(502);
      expect(res.body.code).to.equal('upstream_crashed');

      const line = gw.logs.find((l) => l.includes('a tool call crashed its server'));
      expect(line, 'attribution log line').to.be.a('string');
      expect(JSON.parse(line!)).to.deep.include({
        serverName: 'shared',
        toolName: 'crash',
        username: 'mallory',
        argumentNames: [],
      });

      let records: Array<Record<string, unknown>> = [];
      for (let i = 0; i < 100 && !records.some((r) => r.errorCode === 'upstream_crashed'); i++) {
        records = await auditLines(gw);
        await new Promise((r) => setTimeout(r, 50));
      }
      const crash = records.find((r) => r.errorCode === 'upstream_crashed');
      expect(crash).to.deep.include({ username: 'mallory', outcome: 'error' });
      // The other users' calls go on once the server is back (one crash does not open the breaker).
      await waitForStatus(gw, 'shared', ['connected']);
      expect((await call(gw, 'shared', 'echo', { message: 'fine' }, 'alice')).output).to.equal('fine');
    },
  );
});
