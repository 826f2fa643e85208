import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../runtime/processTestUtils.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

/**
 * A canary secret goes through every path that touches secrets; afterwards it must not appear in
 * any response (other than the tool output that deliberately echoes it), log line, or event record.
 */
describe('secret canaries', () => {
  let gw: TestGateway;
  const canary = `CANARY-${randomUUID()}`;
  const seen: string[] = [];
  const req = async (method: string, path: string, body?: unknown) => {
    const res = await gw.request(method, path, body);
    seen.push(res.text);
    return res;
  };

  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.close();
  });

  it('never shows the secret in responses, logs or the event log', async () => {
    await req('POST', '/mcp/servers', fixtureServer('canary'));
    await waitForStatus(gw, 'canary', ['connected']);
    await req('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'canary',
      secretName: 'message',
      secretValue: canary,
    });
    await req('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'canary',
      secretName: 'a',
      secretValue: canary,
    });
    // The server prints the injected secret to its stderr: the captured logs must scrub it.
    await req('POST', '/mcp/tool/call', {
      username: 'alice',
      serverName: 'canary',
      methodName: 'log_stderr',
      args: {},
    });
    await waitFor(
      () => (gw.gateway.pool.snapshot('canary')?.logs ?? []).some((l) => l.includes('[redacted]')),
      'stderr line',
    );
    // A schema violation on the injected value must not quote it.
    const invalid = await req('POST', '/mcp/tool/call', {
      username: 'alice',
      serverName: 'canary',
      methodName: 'add',
      args: { b: 1 },
    });
    expect(invalid.status).to.equal(400);
    // Malformed JSON carrying the secret must not be quoted back either.
    await req('POST', '/secrets/set', `{"serverName":"canary","secretName":"x","secretValue":"${canary}"`);
    await req('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'canary',
      secretName: 'bad name',
      secretValue: canary,
    });
    await req('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'missing',
      secretName: 'k',
      secretValue: canary,
    });
    await req('GET', '/mcp/servers');
    await req('GET', '/mcp/servers/canary');
    await req('GET', '/mcp/tools');
    await req('POST', '/secrets/delete', { username: 'alice', serverName: 'canary', secretName: 'a' });

    for (const text of seen) expect(text).to.not.contain(canary);
    for (const line of gw.logs) expect(line).to.not.contain(canary);
    const eventLog = await readFile(join(gw.dataDir, 'events', 'events.log'), 'utf8');
    expect(eventLog).to.contain('SecretSet');
    expect(eventLog).to.not.contain(canary);
  });
});
