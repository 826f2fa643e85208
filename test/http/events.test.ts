import { expect } from 'chai';
import { fixtureServer, startTestGateway, type TestGateway } from '../support/testGateway.js';

const SECRET_CANARY = 'canary-secret-value-7f3a91';
const ENV_CANARY = 'canary-env-token-55e2';

interface AuditEvent {
  position: number;
  streamId: string;
  version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: { occurredAt: string; eventId: string };
}

describe('GET /events', () => {
  let gw: TestGateway;
  const events = async (
    query = '',
  ): Promise<{ status: number; body: Record<string, unknown>; text: string; list: AuditEvent[] }> => {
    const res = await gw.request('GET', `/events${query}`);
    return { ...res, list: (res.body.events ?? []) as AuditEvent[] };
  };

  before(async () => {
    gw = await startTestGateway();
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('alpha', { enabled: false, env: { API_TOKEN: ENV_CANARY, MODE: 'x' } }),
    );
    await gw.request('POST', '/mcp/servers', fixtureServer('beta', { enabled: false }));
    await gw.request('POST', '/secrets/set', {
      username: 'ann',
      serverName: 'alpha',
      secretName: 'KEY',
      secretValue: SECRET_CANARY,
    });
    await gw.request('PUT', '/mcp/servers/beta/enable');
    await gw.request('PUT', '/mcp/servers/beta/disable');
  });
  after(async () => {
    await gw.close();
  });

  it('lists the log in position order with its envelope', async () => {
    const res = await events();
    expect(res.status).to.equal(200);
    expect(res.list.map((e) => [e.position, e.type])).to.deep.equal([
      [1, 'ServerRegistered'],
      [2, 'ServerRegistered'],
      [3, 'SecretSet'],
      [4, 'ServerEnabled'],
      [5, 'ServerDisabled'],
    ]);
    expect(res.body).to.include({ success: true, nextFrom: null, head: 5 });
    expect(res.list[0]).to.include({ streamId: 'server-alpha', version: 1 });
    expect(res.list[0]?.metadata).to.include.keys('eventId', 'occurredAt', 'schemaVersion');
  });

  it('shows secrets as ciphertext metadata only and redacts credential-looking env values', async () => {
    const res = await events();
    const secret = res.list.find((e) => e.type === 'SecretSet')!;
    expect(secret.data).to.deep.include({ username: 'ann', serverName: 'alpha', secretName: 'KEY' });
    expect(secret.data.sealed).to.deep.equal({
      sealed: true,
      keyVersion: 1,
      ciphertextBytes: SECRET_CANARY.length,
    });
    const transport = (res.list[0]?.data.config as Record<string, unknown>).transport as {
      env: Record<string, string>;
      sealedEnv: Record<string, Record<string, unknown>>;
    };
    // The credential-looking env value was sealed at registration: the audit view shows its metadata only.
    expect(transport.env).to.deep.equal({ MODE: 'x' });
    expect(transport.sealedEnv.API_TOKEN).to.include({ sealed: true });
    expect(res.text)
      .to.not.contain(SECRET_CANARY)
      .and.not.contain(ENV_CANARY)
      .and.not.contain('"iv"')
      .and.not.contain('"tag"');
  });

  it('filters by stream, type, position range and time range', async () => {
    expect((await events('?stream=server-beta')).list.map((e) => e.version)).to.deep.equal([1, 2, 3]);
    expect((await events('?type=ServerEnabled,SecretSet')).list.map((e) => e.position)).to.deep.equal([3, 4]);
    expect(
      (await events('?type=ServerEnabled&type=ServerDisabled')).list.map((e) => e.position),
    ).to.deep.equal([4, 5]);
    expect((await events('?from=2&to=4')).list.map((e) => e.position)).to.deep.equal([2, 3, 4]);
    expect((await events('?stream=server-beta&from=3')).list.map((e) => e.position)).to.deep.equal([4, 5]);
    const all = (await events()).list;
    const at = all[2]!.metadata.occurredAt;
    const since = (await events(`?since=${encodeURIComponent(at)}`)).list;
    expect(since.every((e) => e.metadata.occurredAt >= at)).to.equal(true);
    expect(since.map((e) => e.position)).to.include(3);
    const until = (await events(`?until=${encodeURIComponent(at)}`)).list;
    expect(until.every((e) => e.metadata.occurredAt <= at)).to.equal(true);
    expect((await events('?until=2000-01-01T00:00:00Z')).list).to.deep.equal([]);
  });

  it('pages with limit and nextFrom until the range is exhausted', async () => {
    const seen: number[] = [];
    let query = '?limit=2';
    for (let pages = 0; pages < 10; pages++) {
      const res = await events(query);
      seen.push(...res.list.map((e) => e.position));
      if (res.body.nextFrom === null) break;
      query = `?limit=2&from=${String(res.body.nextFrom)}`;
    }
    expect(seen).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('400s bad query parameters, naming them', async () => {
    for (const [query, names] of [
      ['?limit=0', 'limit'],
      ['?limit=5000', 'limit'],
      ['?from=-1', 'from'],
      ['?since=yesterday', 'since'],
      ['?colour=red', 'colour'],
      ['?from=4&to=2', 'from'],
    ] as const) {
      const res = await events(query);
      expect(res.status, query).to.equal(400);
      expect(res.body.code).to.equal('invalid_request');
      expect(String(res.body.error), query).to.contain(names);
    }
  });
});
