import { expect } from 'chai';
import { StreamAttribution } from '../../../src/runtime/relay/streamAttribution.js';

const encoder = new TextEncoder();

/** A fetch that answers with an SSE body delivered in the given chunks. */
const sseFetch =
  (chunks: string[], contentType = 'text/event-stream') =>
  async (): Promise<Response> =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
          controller.close();
        },
      }),
      { status: 200, headers: { 'content-type': contentType } },
    );

const post = (token: string) => ({
  method: 'POST',
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'x', _meta: { progressToken: token } },
  }),
});

const event = (message: object): string => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

describe('StreamAttribution', () => {
  const live = new Set(['call-a']);
  const streams = (): StreamAttribution => new StreamAttribution((t) => live.has(t));

  it('ties requests and log messages on a call’s response stream to that call, bytes untouched', async () => {
    const s = streams();
    const body =
      event({ jsonrpc: '2.0', id: 3, method: 'elicitation/create', params: {} }) +
      event({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'hi' } });
    // Split mid-line and mid-character boundary alike.
    const chunks = [body.slice(0, 17), body.slice(17, 60), body.slice(60)];
    const res = await s.wrap(sseFetch(chunks))('http://x', post('call-a'));
    expect(await res.text()).to.equal(body);
    expect(s.requestOwner(3)).to.equal('call-a');
    expect(s.requestOwner(3)).to.equal(undefined);
    expect(s.logOwner({ level: 'info', data: 'hi' })).to.equal('call-a');
  });

  it('watches only POSTs carrying a token of a call in flight, and only SSE answers', async () => {
    const s = streams();
    const body = event({ jsonrpc: '2.0', id: 4, method: 'roots/list' });
    await (await s.wrap(sseFetch([body]))('http://x', post('someone-else'))).text();
    expect(s.requestOwner(4)).to.equal(undefined);
    await (await s.wrap(sseFetch([body], 'application/json'))('http://x', post('call-a'))).text();
    expect(s.requestOwner(4)).to.equal(undefined);
  });

  it('forgets what a finished call never asked for', async () => {
    const s = streams();
    const body = event({ jsonrpc: '2.0', id: 5, method: 'roots/list' });
    await (await s.wrap(sseFetch([body]))('http://x', post('call-a'))).text();
    s.forget('call-a');
    expect(s.requestOwner(5)).to.equal(undefined);
  });
});
