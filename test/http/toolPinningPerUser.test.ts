import { expect } from 'chai';
import { connectMcpV2 } from '../support/mcpClient.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';

type Json = Record<string, unknown>;

/**
 * A per-user server (secretDelivery "env") runs one process per user with that user's secrets in its
 * environment, so what a process advertises can depend on its user. Its first catalogue comes from
 * discovery (no user secrets); a user's process that advertises something else is held for everyone.
 */
describe('tool pinning with per-user processes (two users)', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  const call = (username: string, methodName: string) =>
    gw.request('POST', '/mcp/tool/call', {
      username,
      serverName: 'pu',
      methodName,
      args: methodName === 'echo' ? { message: 'hi' } : {},
    });
  const setSecret = (username: string, secretName: string, secretValue: string) =>
    gw.request('POST', '/secrets/set', { username, serverName: 'pu', secretName, secretValue });
  const pins = async (): Promise<Json> =>
    ((await gw.request('GET', '/mcp/tool-pins?serverName=pu')).body.servers as Json[])[0] as Json;
  const pendingOf = async (): Promise<Json[]> => (await pins()).pending as Json[];
  const listFor = async (username: string): Promise<string[]> => {
    const mcp = await connectMcpV2(gw, 'modern', { query: `username=${username}` });
    try {
      return (await mcp.client.listTools()).tools.map((t) => t.name);
    } finally {
      await mcp.close();
    }
  };
  const until = async <T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  before(async () => {
    gw = await startTestGateway();
    // auto-approval trusts the server's own catalogue only, never what a user's process advertises.
    const res = await gw.request(
      'POST',
      '/mcp/servers',
      fixtureServer('pu', {
        secretDelivery: 'env',
        secretNames: ['FIXTURE_VARIANT', 'FIXTURE_EXTRA_TOOL', 'FIXTURE_ECHO_DESCRIPTION'],
        toolApproval: 'auto',
      }),
    );
    expect(res.status, res.text).to.equal(200);
    await waitForStatus(gw, 'pu', ['connected']);
    await until(pins, (p) => (p.pinned as Json[]).some((t) => t.name === 'echo'), 'the discovered catalogue');
  });
  after(async () => {
    await gw.close();
  });

  it("pins the discovered catalogue; a user's process advertising the same is served", async () => {
    expect((await call('eli', 'echo')).status).to.equal(200);
    expect(await listFor('eli')).to.include('pu__echo');
  });

  it("holds what one user's process advertises beyond the pins, for that user and everyone else", async () => {
    await setSecret('mallory', 'FIXTURE_VARIANT', 'mallory-variant-on');
    // mallory's own process offers `variant_tool` and a different echo: neither is listed nor callable, even for her.
    const variant = await call('mallory', 'variant_tool');
    expect(variant.status, variant.text).to.equal(409);
    expect(variant.body.code).to.equal('tool_pending_approval');
    expect((await call('mallory', 'echo')).body.code).to.equal('tool_pending_approval');
    const pending = await until(pendingOf, (p) => p.length === 2, "mallory's changes held");
    expect(pending.map((p) => [p.toolName, p.source, p.kind])).to.deep.equal([
      ['echo', 'user_process', 'changed'],
      ['variant_tool', 'user_process', 'new'],
    ]);

    // eli's process still advertises the pinned catalogue: unaffected.
    expect((await call('eli', 'echo')).status).to.equal(200);
    expect((await call('eli', 'variant_tool')).body.code).to.equal('tool_not_found');
    for (const user of ['eli', 'mallory']) {
      const names = await listFor(user);
      expect(names, user).to.include('pu__echo').and.not.include('pu__variant_tool');
    }
    const rest = await gw.request('GET', '/mcp/tools?username=eli');
    const puTools = ((rest.body.tools as Json[]).find((t) => 'pu' in t)?.pu as Json[]).map((t) => t.name);
    expect(puTools).to.include('echo').and.not.include('variant_tool');
    const echo = ((rest.body.tools as Json[]).find((t) => 'pu' in t)?.pu as Json[]).find(
      (t) => t.name === 'echo',
    );
    expect((echo as Json).description).to.equal('Echo a message');
  });

  it('approves her new tool for her process, and a rejected echo keeps the pinned one for everyone else', async () => {
    const approve = await gw.request('POST', '/mcp/servers/pu/tool-pins/approve', {
      toolName: 'variant_tool',
    });
    expect(approve.status, approve.text).to.equal(200);
    expect((await call('mallory', 'variant_tool')).status).to.equal(200);
    // Rejecting mallory's echo keeps eli's (the pinned one) working and mallory's unavailable.
    const reject = await gw.request('POST', '/mcp/servers/pu/tool-pins/reject', { toolName: 'echo' });
    expect(reject.status, reject.text).to.equal(200);
    expect((await call('eli', 'echo')).status).to.equal(200);
    expect((await call('mallory', 'echo')).body.code).to.equal('tool_pending_approval');
    expect(await pendingOf()).to.deep.equal([]);
  });

  it(
    'never records a secret a process quotes in a tool: ' +
      'a quoting name is not recorded, a description is redacted',
    async () => {
      await setSecret('quinn', 'FIXTURE_EXTRA_TOOL', 'quinn_secret_tool');
      // quinn's process also offers a tool named after his secret
      // (never named here: the sweep would flag it).
      expect((await call('quinn', 'echo')).status).to.equal(200);
      const deadline = Date.now() + 10_000;
      while (!gw.logs.join('\n').includes('a tool name quotes a secret') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      expect(gw.logs.join('\n')).to.contain('a tool name quotes a secret');
      expect((await pendingOf()).map((p) => p.toolName)).to.not.include('quinn_secret_tool');

      await setSecret('rita', 'FIXTURE_ECHO_DESCRIPTION', 'rita-private-description-7731');
      expect((await call('rita', 'echo')).body.code).to.equal('tool_pending_approval');
      const held = await until(pendingOf, (p) => p.some((c) => c.toolName === 'echo'), "rita's echo held");
      const proposed = (held.find((c) => c.toolName === 'echo') as Json).proposed as Json;
      expect((proposed.definition as Json).description).to.equal('[redacted]');
      const events = await gw.request('GET', '/events?type=ToolChangeDetected,ToolCatalogPinned&limit=1000');
      expect(events.text)
        .to.not.contain('quinn_secret_tool')
        .and.not.contain('rita-private-description-7731');
      // Approved by its hash, the real (unredacted) version serves rita's process.
      const ok = await gw.request('POST', '/mcp/servers/pu/tool-pins/approve', {
        toolName: 'echo',
        hash: proposed.hash,
      });
      expect(ok.status, ok.text).to.equal(200);
      expect((await call('rita', 'echo')).status).to.equal(200);
    },
  );
});
