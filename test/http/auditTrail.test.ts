import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectMcp, postMcp } from '../support/mcpClient.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

type Call = Record<string, unknown> & {
  username: string;
  target: string;
  via: string;
  outcome: string;
  caller: Record<string, unknown>;
};

async function calls(
  gw: TestGateway,
  query = '',
  token?: string,
): Promise<{ status: number; calls: Call[]; nextCursor: unknown; body: Record<string, unknown> }> {
  const res = await gw.request(
    'GET',
    `/audit/calls${query}`,
    undefined,
    token === undefined ? {} : { token },
  );
  return {
    status: res.status,
    calls: (res.body.calls ?? []) as Call[],
    nextCursor: res.body.nextCursor,
    body: res.body,
  };
}

async function until(gw: TestGateway, count: number): Promise<Call[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const page = await calls(gw, '?limit=1000');
    if (page.calls.length >= count) return page.calls;
    if (Date.now() > deadline)
      throw new Error(`audit trail has ${page.calls.length} records, expected ${count}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GET /audit/calls (tool-call audit trail)', () => {
  let gw: TestGateway;
  let alice: { token: string; tokenId: string };
  let bob: { token: string; tokenId: string };
  const call = (body: Record<string, unknown>, token?: string) =>
    gw.request('POST', '/mcp/tool/call', body, token === undefined ? {} : { token });

  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
    await waitForStatus(gw, 'fx', ['connected']);
    alice = await gw.issueToken('alice');
    bob = await gw.issueToken('bob');
    expect(
      (await call({ serverName: 'fx', methodName: 'echo', args: { message: 'hello there' } }, alice.token))
        .status,
    ).to.equal(200);
    expect((await call({ serverName: 'fx', methodName: 'fail', args: {} }, alice.token)).status).to.equal(
      200,
    );
    expect((await call({ serverName: 'fx', methodName: 'nope', args: {} }, alice.token)).status).to.equal(
      404,
    );
    expect(
      (await call({ serverName: 'fx', methodName: 'add', args: { a: 1, b: 2 } }, bob.token)).status,
    ).to.equal(200);
    expect(
      (await call({ username: 'carol', serverName: 'fx', methodName: 'echo', args: { message: 'x' } }))
        .status,
    ).to.equal(200);
    const mcp = await connectMcp(gw, { token: alice.token });
    await mcp.client.callTool({ name: 'fx__echo', arguments: { message: 'over mcp' } });
    await mcp.close();
    await until(gw, 6);
  });
  after(async () => {
    await gw.close();
  });

  it('records every call through REST and /mcp with who, what, outcome and argument sizes', async () => {
    const all = await until(gw, 6);
    expect(all).to.have.length(6);
    const [mcpCall] = all.filter((c) => c.via === 'mcp');
    expect(mcpCall).to.include({
      username: 'alice',
      serverName: 'fx',
      target: 'echo',
      outcome: 'ok',
      kind: 'tool_call',
    });
    expect(mcpCall?.caller).to.deep.equal({ type: 'user', tokenId: alice.tokenId });
    expect(mcpCall?.args).to.deep.equal([{ name: 'message', bytes: 10 }]);
    const failed = all.find((c) => c.target === 'fail');
    expect(failed).to.include({ outcome: 'tool_error', via: 'rest' });
    const missing = all.find((c) => c.target === 'nope');
    expect(missing).to.include({ outcome: 'error', errorCode: 'tool_not_found' });
    const carol = all.find((c) => c.username === 'carol');
    expect(carol?.caller).to.deep.equal({ type: 'admin' });
    expect(all.find((c) => c.username === 'bob')?.args).to.deep.equal([
      { name: 'a', bytes: 1 },
      { name: 'b', bytes: 1 },
    ]);
    for (const c of all) expect(c.durationMs).to.be.a('number').and.at.least(0);
    const files = await readdir(join(gw.dataDir, 'audit'));
    const text = (await Promise.all(files.map((f) => readFile(join(gw.dataDir, 'audit', f), 'utf8')))).join(
      '',
    );
    expect(text).to.not.contain('hello there');
    expect(text).to.not.contain('over mcp');
  });

  it('filters by user, server, tool and time', async () => {
    expect((await calls(gw, '?username=alice')).calls).to.have.length(4);
    expect((await calls(gw, '?username=alice&tool=echo')).calls).to.have.length(2);
    expect((await calls(gw, '?serverName=fx&tool=add')).calls).to.have.length(1);
    expect((await calls(gw, '?serverName=other')).calls).to.have.length(0);
    expect((await calls(gw, '?to=2000-01-01T00:00:00Z')).calls).to.have.length(0);
    expect(
      (await calls(gw, `?from=${encodeURIComponent(new Date(Date.now() - 600_000).toISOString())}`)).calls,
    ).to.have.length(6);
  });

  it('shows a user token its own calls only, and refuses naming another user', async () => {
    const own = await calls(gw, '', bob.token);
    expect(own.status).to.equal(200);
    expect(own.calls.map((c) => c.username)).to.deep.equal(['bob']);
    expect((await calls(gw, '?username=alice', bob.token)).status).to.equal(403);
  });

  it('pages with a cursor, newest first', async () => {
    const seen: string[] = [];
    let query = '?limit=4';
    for (;;) {
      const page = await calls(gw, query);
      seen.push(...page.calls.map((c) => String(c.id)));
      if (page.nextCursor === null) break;
      query = `?limit=4&cursor=${String(page.nextCursor)}`;
    }
    expect(seen).to.deep.equal((await calls(gw)).calls.map((c) => String(c.id)));
    expect(new Set(seen).size).to.equal(6);
  });

  it('exports NDJSON with format=ndjson or Accept: application/x-ndjson', async () => {
    const byFormat = await gw.request('GET', '/audit/calls?format=ndjson&username=alice');
    expect(byFormat.headers.get('content-type')).to.contain('application/x-ndjson');
    expect(
      byFormat.text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as Call).username),
    ).to.deep.equal(['alice', 'alice', 'alice', 'alice']);
    const byAccept = await gw.request('GET', '/audit/calls', undefined, {
      headers: { accept: 'application/x-ndjson' },
    });
    expect(byAccept.text.trim().split('\n')).to.have.length(6);
  });

  it('answers bad queries with 400', async () => {
    for (const q of [
      '?limit=0',
      '?limit=5000',
      '?from=yesterday',
      '?cursor=bogus',
      '?format=xml',
      '?what=1',
      '?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
    ]) {
      const res = await calls(gw, q);
      expect(res.status, q).to.equal(400);
      expect(res.body.code, q).to.equal('invalid_request');
    }
  });

  it('keeps every answered call on a clean shutdown, however long the flush interval', async () => {
    const slow = await startTestGateway({ audit: { flushIntervalMs: 3_600_000 } });
    try {
      await slow.request('POST', '/mcp/servers', fixtureServer('fx'));
      await waitForStatus(slow, 'fx', ['connected']);
      for (let i = 0; i < 5; i++)
        expect(
          (
            await slow.request('POST', '/mcp/tool/call', {
              serverName: 'fx',
              methodName: 'echo',
              args: { message: 'm' },
            })
          ).status,
        ).to.equal(200);
      await slow.stop();
      const files = await readdir(join(slow.dataDir, 'audit'));
      const lines = (await Promise.all(files.map((f) => readFile(join(slow.dataDir, 'audit', f), 'utf8'))))
        .join('')
        .trim()
        .split('\n');
      expect(lines).to.have.length(5);
    } finally {
      await slow.close();
    }
  });
});

describe('audit records of a legacy /mcp session', () => {
  it('name the token of the request that made each call, not the one that opened the session', async () => {
    const gw = await startTestGateway();
    try {
      await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
      await waitForStatus(gw, 'fx', ['connected']);
      const opener = await gw.issueToken('dana');
      const other = await gw.issueToken('dana');
      const mcp = await connectMcp(gw, { token: opener.token });
      await mcp.client.callTool({ name: 'fx__echo', arguments: { message: 'first' } });
      const sessionId = mcp.transport.sessionId as string;
      const res = await postMcp(
        gw,
        {
          jsonrpc: '2.0',
          id: 99,
          method: 'tools/call',
          params: { name: 'fx__echo', arguments: { message: 'x' } },
        },
        {
          token: other.token,
          headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
        },
      );
      expect(res.status, res.text).to.equal(200);
      const records = await until(gw, 2);
      await mcp.close();
      const byMessageSize = (bytes: number) =>
        records.find((r) => (r.args as { bytes: number }[])[0]?.bytes === bytes)?.caller;
      expect(byMessageSize(7)).to.deep.equal({ type: 'user', tokenId: opener.tokenId });
      expect(byMessageSize(3)).to.deep.equal({ type: 'user', tokenId: other.tokenId });
    } finally {
      await gw.close();
    }
  });
});
