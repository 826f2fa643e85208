import { expect } from 'chai';
import { envelope, INITIALIZE, modernHeaders } from '../support/mcpClient.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

/**
 * One access decision, every channel: REST, legacy sessions, legacy stateless and 2026-07-28
 * requests must allow and refuse exactly the same callers, and a request that mixes a protocol
 * version header with the other era's body must never get further than a well-formed one.
 */
type Outcome = string;
interface Caller {
  readonly name: string;
  token(): string | null;
  readonly username?: string;
  readonly servers?: string;
}

const SECRET = 'alice-matrix-secret-6021';
const TOOL = { serverName: 'fx', methodName: 'echo_secret', args: { name: 'TOKEN' } };

/** The text of a JSON or SSE JSON-RPC answer: the result text, or the error. */
function outcomeOf(status: number, text: string): Outcome {
  if (status !== 200) return `http ${status}`;
  const payload = text.includes('data: ')
    ? (text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .find((l) => l.includes('"id"')) ?? '{}')
    : text;
  const message = JSON.parse(payload) as {
    result?: { content?: Array<{ text: string }> };
    error?: { code: number };
  };
  if (message.error) return message.error.code === -32602 ? 'unknown tool' : `jsonrpc ${message.error.code}`;
  return `ok ${message.result?.content?.[0]?.text ?? ''}`;
}

describe('/mcp and REST make identical access decisions in every protocol era', () => {
  let gw: TestGateway;
  let alice: string;
  let bob: string;

  const post = async (
    caller: Caller,
    body: unknown,
    headers: Record<string, string>,
    extraQuery = '',
  ): Promise<Response> => {
    const query = new URLSearchParams();
    if (caller.username) query.set('username', caller.username);
    if (caller.servers) query.set('servers', caller.servers);
    const token = caller.token();
    const qs = `${query.toString()}${extraQuery ? `${query.size ? '&' : ''}${extraQuery}` : ''}`;
    return fetch(`${gw.url}/mcp${qs ? `?${qs}` : ''}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });
  };
  const callBody = (meta?: Record<string, unknown>) => ({
    jsonrpc: '2.0',
    id: 9,
    method: 'tools/call',
    params: { name: 'fx__echo_secret', arguments: { name: 'TOKEN' }, ...(meta ? { _meta: meta } : {}) },
  });

  const channels: Record<string, (caller: Caller) => Promise<Outcome>> = {
    async rest(caller) {
      const token = caller.token();
      const res = await fetch(`${gw.url}/mcp/tool/call`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ ...TOOL, ...(caller.username ? { username: caller.username } : {}) }),
      });
      const body = (await res.json()) as { data?: { content: Array<{ text: string }> } };
      return res.status === 200 ? `ok ${body.data?.content[0]?.text ?? ''}` : `http ${res.status}`;
    },
    async 'legacy session'(caller) {
      const init = await post(caller, INITIALIZE, {});
      const sessionId = init.headers.get('mcp-session-id');
      await init.text();
      if (init.status !== 200 || !sessionId) return `http ${init.status}`;
      const res = await post(caller, callBody(), {
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      });
      return outcomeOf(res.status, await res.text());
    },
    async 'legacy stateless'(caller) {
      const res = await post(caller, callBody(), { 'mcp-protocol-version': '2025-11-25' }, 'mode=stateless');
      return outcomeOf(res.status, await res.text());
    },
    async '2026-07-28'(caller) {
      const res = await post(caller, callBody(envelope()), modernHeaders('tools/call', 'fx__echo_secret'));
      return outcomeOf(res.status, await res.text());
    },
  };

  /** Requests that disagree with themselves about their era: never further than the well-formed ones. */
  const mixed: Record<string, (caller: Caller) => Promise<Outcome>> = {
    async 'envelope with a 2025-11-25 header'(caller) {
      const res = await post(
        caller,
        callBody(envelope()),
        modernHeaders('tools/call', 'fx__echo_secret', '2025-11-25'),
      );
      return outcomeOf(res.status, await res.text());
    },
    async 'no envelope with a 2026-07-28 header'(caller) {
      const res = await post(caller, callBody(), modernHeaders('tools/call', 'fx__echo_secret'));
      return outcomeOf(res.status, await res.text());
    },
  };

  let callers: Caller[];
  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
    await gw.request('POST', '/mcp/servers', fixtureServer('other'));
    await waitForStatus(gw, 'fx', ['connected']);
    await gw.request('POST', '/secrets/set', {
      username: 'alice',
      serverName: 'fx',
      secretName: 'TOKEN',
      secretValue: SECRET,
    });
    alice = (await gw.issueToken('alice')).token;
    bob = (await gw.issueToken('bob')).token;
    callers = [
      { name: 'admin acting as alice', token: () => gw.adminToken, username: 'alice' },
      { name: "alice's token", token: () => alice },
      { name: "bob's token naming alice", token: () => bob, username: 'alice' },
      { name: 'no token', token: () => null, username: 'alice' },
      { name: 'a forged token', token: () => 'mcpu_forged.token', username: 'alice' },
    ];
  });
  after(async () => {
    await gw.close();
  });

  const EXPECTED: Record<string, Outcome> = {
    'admin acting as alice': `ok ${SECRET}`,
    "alice's token": `ok ${SECRET}`,
    "bob's token naming alice": 'http 403',
    'no token': 'http 401',
    'a forged token': 'http 401',
  };

  it('gives every caller the same answer on REST, legacy sessions, legacy stateless and 2026-07-28', async () => {
    const table: Record<string, Record<string, Outcome>> = {};
    for (const caller of callers) {
      table[caller.name] = {};
      for (const [channel, run] of Object.entries(channels)) table[caller.name]![channel] = await run(caller);
    }
    const expected = Object.fromEntries(
      callers.map((c) => [
        c.name,
        Object.fromEntries(Object.keys(channels).map((ch) => [ch, EXPECTED[c.name]])),
      ]),
    );
    expect(table).to.deep.equal(expected);
  });

  it('applies the tool filter identically in both eras (REST has none: it names the server itself)', async () => {
    const filtered: Caller = { name: 'alice limited to "other"', token: () => alice, servers: 'other' };
    for (const channel of ['legacy session', 'legacy stateless', '2026-07-28']) {
      expect(await channels[channel]!(filtered), channel).to.equal('unknown tool');
    }
  });

  it(
    'never lets a protocol version header that disagrees with the body ' +
      'get further than a well-formed request',
    async () => {
      for (const caller of callers) {
        for (const [variant, run] of Object.entries(mixed)) {
          const outcome = await run(caller);
          expect(outcome, `${caller.name}, ${variant}`).to.not.match(/^ok/);
          if (EXPECTED[caller.name]!.startsWith('http'))
            expect(outcome, `${caller.name}, ${variant}`).to.equal(EXPECTED[caller.name]);
        }
      }
    },
  );

  it("never serves bob alice's session, whichever era the request claims", async () => {
    const init = await post({ name: 'alice', token: () => alice }, INITIALIZE, {});
    const sessionId = init.headers.get('mcp-session-id') as string;
    await init.text();
    const bobCaller: Caller = { name: 'bob', token: () => bob };
    const legacy = await post(bobCaller, callBody(), {
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
    });
    expect(legacy.status).to.equal(403);
    const modern = await post(bobCaller, callBody(envelope()), {
      'mcp-session-id': sessionId,
      ...modernHeaders('tools/call', 'fx__echo_secret'),
    });
    expect(await modern.text()).to.not.contain(SECRET);
  });
});
