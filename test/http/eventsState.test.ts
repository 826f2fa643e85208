import { expect } from 'chai';
import { fixtureServer, startTestGateway, type TestGateway } from '../support/testGateway.js';

const SECRET_CANARY = 'canary-state-secret-9c41d2';
const ENV_CANARY = 'canary-state-env-token-3b7e';
const HEADER_CANARY = 'canary-state-header-6d0f';

interface State {
  position: number;
  occurredAt: string | null;
  head: number;
  servers: Array<Record<string, unknown>>;
  secrets: Array<{ serverName: string; username: string; secretNames: string[] }>;
  packages: unknown[];
}

describe('GET /events/state', () => {
  let gw: TestGateway;
  let registeredAt: number;
  let secretAt: string;
  const state = async (query: string): Promise<State & { status: number; text: string }> => {
    const res = await gw.request('GET', `/events/state${query}`);
    return { ...(res.body as unknown as State), status: res.status, text: res.text };
  };

  before(async () => {
    gw = await startTestGateway();
    await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('alpha', { enabled: false, env: { API_TOKEN: ENV_CANARY } }),
    );
    registeredAt = (await gw.request('GET', '/events')).body.head as number;
    const remote = {
      name: 'remote',
      transportType: 'streamable_http',
      url: 'http://127.0.0.1:9/mcp',
      headers: { Authorization: `Bearer ${HEADER_CANARY}` },
      enabled: false,
    };
    expect((await gw.request('POST', '/mcp/servers', remote)).status).to.equal(200);
    await gw.request('POST', '/secrets/set', {
      username: 'ann',
      serverName: 'alpha',
      secretName: 'KEY',
      secretValue: SECRET_CANARY,
    });
    const events = (await gw.request('GET', '/events?type=SecretSet')).body.events as Array<{
      metadata: { occurredAt: string };
    }>;
    secretAt = events[0]!.metadata.occurredAt;
    await gw.request('DELETE', '/mcp/servers/alpha');
  });
  after(async () => {
    await gw.close();
  });

  it('replays servers and secret names as of a position, never a value or credential', async () => {
    const early = await state(`?position=${registeredAt}`);
    expect(early.status, early.text).to.equal(200);
    expect(early.position).to.equal(registeredAt);
    expect(early.servers.map((s) => s.name)).to.deep.equal(['alpha']);
    expect(early.servers[0]).to.include({ enabled: false, transportType: 'stdio' });
    expect(early.servers[0]!.envNames).to.deep.equal(['API_TOKEN']);
    expect(early.secrets).to.deep.equal([]);

    const withSecret = await state(`?at=${encodeURIComponent(secretAt)}`);
    expect(withSecret.servers.map((s) => s.name)).to.deep.equal(['alpha', 'remote']);
    expect(withSecret.servers[1]!.headerNames).to.deep.equal(['Authorization']);
    expect(withSecret.secrets).to.deep.equal([
      { serverName: 'alpha', username: 'ann', secretNames: ['KEY'] },
    ]);
    for (const text of [early.text, withSecret.text]) {
      for (const canary of [SECRET_CANARY, ENV_CANARY, HEADER_CANARY]) expect(text).to.not.contain(canary);
      expect(text).to.not.contain('ciphertext');
    }
  });

  it('defaults to the head: the server removed last is gone with its secrets', async () => {
    const now = await state('');
    expect(now.position).to.equal(now.head);
    expect(now.servers.map((s) => s.name)).to.deep.equal(['remote']);
    expect(now.secrets).to.deep.equal([]);
    expect(now.packages).to.deep.equal([]);
    const empty = await state('?position=0');
    expect(empty).to.include({ position: 0, occurredAt: null });
    expect(empty.servers).to.deep.equal([]);
  });

  it('400s a bad position or time, or both at once; a user token gets 403', async () => {
    for (const q of [
      '?position=-1',
      '?position=x',
      '?at=yesterday',
      '?position=1&at=2026-01-01T00:00:00Z',
      '?other=1',
    ]) {
      const res = await gw.request('GET', `/events/state${q}`);
      expect(res.status, q).to.equal(400);
      expect(res.body.code).to.equal('invalid_request');
    }
    const { token } = await gw.issueToken('ann');
    expect((await gw.request('GET', '/events/state', undefined, { token })).status).to.equal(403);
  });
});
