import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { GatewayClient } from '../../../src/runtime/client/gatewayClient.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../fixtures/${name}.js`, import.meta.url));

/** Each era's upstream: the raw legacy fixture (its odd discover answer makes the client fall back) and v2's. */
const ERAS = [
  { era: 'legacy', script: fixture('oddDiscoverServer'), env: { FIXTURE_DISCOVER: 'error' } },
  { era: 'modern', script: fixture('modernStdioServer'), env: {} },
] as const;

async function connected<C extends Client>(
  client: C,
  script: string,
  env: Record<string, string>,
): Promise<C> {
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [script],
      env: { ...env },
      stderr: 'ignore',
    }),
  );
  return client;
}

/**
 * specRequest is request() without a schema, minus the SDK's per-call probe: every answer, refusal and
 * validation message must be the SDK's own.
 */
describe('GatewayClient.specRequest', function () {
  this.timeout(30_000);
  const open: Client[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  const pair = async (script: string, env: Record<string, string>): Promise<[GatewayClient, Client]> => {
    const info = { name: 'spec-request-test', version: '1' };
    // As the gateway connects: probe server/discover, fall back to initialize.
    const options = { versionNegotiation: { mode: 'auto' as const } };
    const ours = await connected(new GatewayClient(info, options), script, env);
    const sdk = await connected(new Client(info, options), script, env);
    open.push(ours, sdk);
    return [ours, sdk];
  };

  for (const { era, script, env } of ERAS) {
    it(`answers tools/call as request() does (${era} era)`, async () => {
      const [ours, sdk] = await pair(script, env);
      expect(ours.getNegotiatedProtocolVersion()).to.equal(sdk.getNegotiatedProtocolVersion());
      const call = { method: 'tools/call', params: { name: 'echo', arguments: { message: `hi ${era}` } } };
      const mine = await ours.specRequest(call);
      expect(mine).to.deep.equal(await sdk.request(call as never));
      expect(mine).to.deep.include({ content: [{ type: 'text', text: `hi ${era}` }] });
      // The second call takes the cached validator.
      expect(await ours.specRequest(call)).to.deep.equal(mine);
    });

    it(`leaves a method outside the spec to the SDK's own refusal (${era} era)`, async () => {
      const [ours, sdk] = await pair(script, env);
      const custom = { method: 'acme/frobnicate', params: {} };
      const sdkError = (): unknown => sdk.request(custom as never);
      expect(sdkError).to.throw(TypeError, /not a spec method/);
      expect(() => ours.specRequest(custom)).to.throw(TypeError, /not a spec method/);
    });
  }

  it("falls back to the SDK's own path when the era codec offers no result validation", async () => {
    const [ours] = await pair(ERAS[1].script, ERAS[1].env);
    // A later SDK whose codec changed shape: the SDK's own path still works, so specRequest must take it.
    const accessor = (ours as unknown as { _wireCodec: () => object })._wireCodec;
    Object.defineProperty(ours, '_wireCodec', {
      value: function (this: unknown) {
        return { ...accessor.call(this), validateResult: undefined };
      },
    });
    const call = { method: 'tools/call', params: { name: 'echo', arguments: { message: 'plain' } } };
    expect(await ours.specRequest(call)).to.deep.include({ content: [{ type: 'text', text: 'plain' }] });
  });

  it('rejects a malformed result with the message the SDK gives', async () => {
    const [ours, sdk] = await pair(ERAS[0].script, ERAS[0].env);
    const call = { method: 'tools/call', params: { name: 'malformed', arguments: {} } };
    const reason = (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'resolved',
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
    const sdkMessage = await reason(sdk.request(call as never));
    expect(sdkMessage).to.match(/content/);
    expect(await reason(ours.specRequest(call))).to.equal(sdkMessage);
  });
});
