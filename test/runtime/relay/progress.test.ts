import type { CallToolResult } from '@modelcontextprotocol/client';
import { expect } from 'chai';
import { waitFor } from '../processTestUtils.js';
import { connectMcpV2, type McpEra, type McpV2TestClient } from '../../support/mcpClient.js';
import { startTestGateway, type TestGateway } from '../../support/testGateway.js';
import {
  registerModernUpstreams,
  registerRelayUpstreams,
  RELAYED_CAPABILITIES,
  type RelayUpstreams,
  type UpstreamKind,
} from './relayUpstreams.js';

const CALLS = 50;
const STEPS = 100;
const CONCURRENT = 5;
const KINDS: UpstreamKind[] = ['stdio', 'streamable', 'sse'];
const ERAS: McpEra[] = ['legacy', 'modern'];
const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;
const steps = Array.from({ length: STEPS }, (_, i) => i + 1);

describe('progress and cancellation through /mcp', function () {
  this.timeout(180_000);
  let gw: TestGateway;
  let upstreams: RelayUpstreams;
  let modern: Awaited<ReturnType<typeof registerModernUpstreams>>;
  /** Every progress-streaming tool behind the gateway, by upstream transport (and era). */
  const tools = (): Record<string, string> => ({
    stdio: `${upstreams.names.stdio}__progress`,
    'Streamable HTTP': `${upstreams.names.streamable}__progress`,
    SSE: `${upstreams.names.sse}__progress`,
    '2026-07-28 stdio': `${modern.names.stdio}__progress`,
    '2026-07-28 Streamable HTTP': `${modern.names.http}__progress`,
  });
  const clients: McpV2TestClient[] = [];
  const connect = async (era: McpEra): Promise<McpV2TestClient> => {
    const c = await connectMcpV2(gw, era);
    clients.push(c);
    return c;
  };

  before(async () => {
    gw = await startTestGateway({ upstreamCapabilities: RELAYED_CAPABILITIES });
    upstreams = await registerRelayUpstreams(gw);
    modern = await registerModernUpstreams(gw, { minted: [], received: [] });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await gw.close();
    await upstreams.close();
    await modern.close();
  });

  const UPSTREAMS = ['stdio', 'Streamable HTTP', 'SSE', '2026-07-28 stdio', '2026-07-28 Streamable HTTP'];
  for (const era of ERAS) {
    for (const upstream of UPSTREAMS) {
      it(
        `delivers every progress notification in order: ` +
          `${CALLS} calls, ${upstream} upstream, ${era} client`,
        async () => {
          const { client } = await connect(era);
          const tool = tools()[upstream]!;
          const one = async (): Promise<number[]> => {
            const seen: number[] = [];
            const result = await client.callTool(
              { name: tool, arguments: { count: STEPS } },
              { onprogress: (p) => seen.push(p.progress) },
            );
            expect(text(result)).to.equal(`sent ${STEPS}`);
            return seen;
          };
          const all: number[][] = [];
          for (let done = 0; done < CALLS; done += CONCURRENT)
            all.push(...(await Promise.all(Array.from({ length: CONCURRENT }, one))));
          expect(all).to.have.length(CALLS);
          for (const seen of all) expect(seen).to.deep.equal(steps);
        },
      );
    }
  }

  for (const era of ERAS) {
    for (const kind of KINDS) {
      it(`cancels the upstream call when the ${era} client cancels (${kind} upstream)`, async () => {
        const { client } = await connect(era);
        const tag = `${era}-${kind}-${Date.now()}`;
        const aborter = new AbortController();
        const pending = client
          .callTool(
            { name: `${upstreams.names[kind]}__wait`, arguments: { tag, ms: 30_000 } },
            { signal: aborter.signal },
          )
          .catch((error: unknown) => error);
        // The call is upstream once it progresses past the gateway: give it a moment, then cancel.
        await new Promise((r) => setTimeout(r, 300));
        aborter.abort();
        expect(await pending).to.be.instanceOf(Error);
        const seen = (): boolean =>
          kind === 'stdio'
            ? (gw.gateway.pool.snapshot(upstreams.names.stdio)?.logs ?? []).some((l) =>
                l.includes(`cancelled wait ${tag}`),
              )
            : upstreams.cancelled.includes(tag);
        await waitFor(seen, `upstream cancellation of ${tag}`);
      });
    }
  }
});
