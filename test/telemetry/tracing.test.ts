import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { startRemoteMcpServer, type RemoteMcpServer } from '../fixtures/remoteMcpServer.js';
import { connectMcp } from '../support/mcpClient.js';
import { remoteServer } from '../support/remote.js';
import { fixtureServer, startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';
import { telemetryFromEnv, type TelemetryEnv } from '../../src/telemetry/telemetryFromEnv.js';
import { noTelemetry } from '../../src/telemetry/telemetry.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlpReceiver.js';

const env = (over: Partial<TelemetryEnv>): TelemetryEnv => ({
  OTEL_SDK_DISABLED: false,
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_SERVICE_NAME: 'mcp-api-test',
  OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  OTEL_BSP_SCHEDULE_DELAY: 50,
  ...over,
});
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const textOf = (result: unknown): string =>
  (result as { content?: Array<{ text?: string }> }).content?.[0]?.text ?? '';

describe('OpenTelemetry traces', () => {
  it('stay off unless an OTLP endpoint is configured', () => {
    expect(telemetryFromEnv(env({}))).to.equal(noTelemetry);
    expect(
      telemetryFromEnv(env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SDK_DISABLED: true })),
    ).to.equal(noTelemetry);
    expect(
      telemetryFromEnv(
        env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_TRACES_EXPORTER: 'none' }),
      ),
    ).to.equal(noTelemetry);
  });

  describe('with a local OTLP/HTTP JSON receiver', () => {
    let receiver: OtlpReceiver;
    let gw: TestGateway;
    let remote: RemoteMcpServer;
    const secret = `SECRET-CANARY-${randomUUID()}`;
    const argCanary = `ARG-CANARY-${randomUUID()}`;
    let userToken: string;
    const rest = { trace: hex(16), span: hex(8) };
    const viaMeta = { trace: hex(16), span: hex(8) };
    const remoteTrace = { trace: hex(16), span: hex(8) };
    const failing = { trace: hex(16), span: hex(8) };
    const results: Record<string, string> = {};

    before(async function () {
      this.timeout(60_000);
      receiver = await startOtlpReceiver();
      remote = await startRemoteMcpServer({ mode: 'streamable' });
      gw = await startTestGateway({
        telemetry: telemetryFromEnv(env({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })),
      });
      await gw.request(
        'POST',
        '/mcp/servers',
        fixtureServer('fx', { env: { FIXTURE_EXTRA_TOOL: 'echo_meta' } }),
      );
      await gw.request('POST', '/mcp/servers', remoteServer('rem', remote.url));
      await waitForStatus(gw, 'fx', ['connected']);
      await waitForStatus(gw, 'rem', ['connected']);
      await gw.request('POST', '/secrets/set', {
        username: 'alice',
        serverName: 'fx',
        secretName: 'message',
        secretValue: secret,
      });
      userToken = (await gw.issueToken('alice')).token;

      const traced = await gw.request(
        'POST',
        '/mcp/tool/call',
        { serverName: 'fx', methodName: 'echo_meta', args: { message: argCanary } },
        {
          token: userToken,
          headers: { traceparent: `00-${rest.trace}-${rest.span}-01`, baggage: 'tenant=acme' },
        },
      );
      expect(traced.status, traced.text).to.equal(200);
      results.rest = textOf(traced.body.data);
      // The secret goes through decryption and injection (echo_secret accepts any argument).
      await gw.request(
        'POST',
        '/mcp/tool/call',
        { serverName: 'fx', methodName: 'echo_secret', args: { name: 'message' } },
        { token: userToken },
      );

      const mcp = await connectMcp(gw, { token: userToken });
      const result = await mcp.client.callTool({
        name: 'fx__echo_meta',
        arguments: { message: argCanary },
        _meta: { traceparent: `00-${viaMeta.trace}-${viaMeta.span}-01` },
      });
      results.mcp = textOf(result);
      await mcp.close();

      const remoteCall = await gw.request(
        'POST',
        '/mcp/tool/call',
        { serverName: 'rem', methodName: 'echo', args: { message: argCanary } },
        {
          headers: { traceparent: `00-${remoteTrace.trace}-${remoteTrace.span}-01` },
        },
      );
      expect(remoteCall.status, remoteCall.text).to.equal(200);
      const headers = { traceparent: `00-${failing.trace}-${failing.span}-01` };
      await gw.request(
        'POST',
        '/mcp/tool/call',
        { serverName: 'fx', methodName: 'fail', args: {} },
        { headers },
      );
      await gw.request(
        'POST',
        '/mcp/tool/call',
        { serverName: 'fx', methodName: 'nope', args: {} },
        { headers },
      );
      await gw.stop(); // shuts telemetry down: every span is exported
    });
    after(async () => {
      await gw.close();
      await remote.close();
      await receiver.close();
    });

    const inTrace = (traceId: string): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === traceId);
    const one = (spans: ReceivedSpan[], name: string): ReceivedSpan => {
      const found = spans.filter((s) => s.name === name);
      expect(found, `${name} in ${spans.map((s) => s.name).join(', ')}`).to.have.length(1);
      return found[0] as ReceivedSpan;
    };

    it("continues the HTTP caller's trace with a span tree over the call path (REST)", () => {
      const spans = inTrace(rest.trace);
      const http = one(spans, 'POST /mcp/tool/call');
      expect(http.parentSpanId).to.equal(rest.span);
      expect(http.kind).to.equal(2);
      expect(http.attributes).to.include({
        'http.request.method': 'POST',
        'http.route': '/mcp/tool/call',
        'http.response.status_code': 200,
      });
      expect(one(spans, 'gateway.policy').parentSpanId).to.equal(http.spanId);
      const tool = one(spans, 'execute_tool echo_meta');
      expect(tool.parentSpanId).to.equal(http.spanId);
      expect(tool.attributes).to.include({
        'gen_ai.tool.name': 'echo_meta',
        'gen_ai.operation.name': 'execute_tool',
        'mcp_api.server.name': 'fx',
      });
      for (const child of ['secrets.decrypt', 'arguments.validate'])
        expect(one(spans, child).parentSpanId).to.equal(tool.spanId);
      const upstream = one(spans, 'tools/call echo_meta');
      expect(upstream.parentSpanId).to.equal(tool.spanId);
      expect(upstream.kind).to.equal(3);
      expect(upstream.attributes).to.include({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'echo_meta',
      });
    });

    it('hands the trace to the stdio upstream in _meta, with the baggage', () => {
      const meta = JSON.parse(results.rest ?? '{}') as Record<string, string>;
      const upstream = one(inTrace(rest.trace), 'tools/call echo_meta');
      expect(meta.traceparent).to.equal(`00-${rest.trace}-${upstream.spanId}-01`);
      expect(meta.baggage).to.equal('tenant=acme');
    });

    it("continues the trace context of an MCP request's _meta on /mcp", () => {
      const spans = inTrace(viaMeta.trace);
      const server = one(spans, 'tools/call fx__echo_meta');
      expect(server.parentSpanId).to.equal(viaMeta.span);
      expect(server.kind).to.equal(2);
      expect(server.attributes).to.include({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'fx__echo_meta',
        'network.transport': 'tcp',
      });
      expect(server.attributes['mcp.session.id']).to.be.a('string');
      expect(server.attributes['jsonrpc.request.id']).to.be.a('string');
      expect(one(spans, 'execute_tool echo_meta').parentSpanId).to.equal(server.spanId);
      expect(String((JSON.parse(results.mcp ?? '{}') as { traceparent?: string }).traceparent)).to.contain(
        viaMeta.trace,
      );
    });

    it('sends the trace to a remote upstream as HTTP headers', () => {
      const calls = remote.requests.filter((r) => r.rpc === 'tools/call');
      expect(calls.map((r) => String(r.headers.traceparent))).to.satisfy((all: string[]) =>
        all.some((t) => t.includes(remoteTrace.trace)),
      );
      const upstream = one(inTrace(remoteTrace.trace), 'tools/call echo');
      expect(upstream.attributes).to.include({ 'mcp_api.server.name': 'rem' });
    });

    it('marks failed calls with error.type: a tool error, a gateway error code', () => {
      expect(one(inTrace(failing.trace), 'execute_tool fail').attributes['error.type']).to.equal(
        'tool_error',
      );
      const missing = one(inTrace(failing.trace), 'execute_tool nope');
      expect(missing.attributes['error.type']).to.equal('tool_not_found');
      expect(missing.status.code).to.equal(2);
    });

    it('never exports a secret value, an argument value or a token', () => {
      const exported = receiver.bodies.join('\n');
      expect(exported.length).to.be.greaterThan(1000);
      for (const canary of [secret, argCanary, userToken, gw.adminToken])
        expect(exported).to.not.contain(canary);
    });
  });
});
