import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RESULT_TOO_LARGE_CODE } from '../../../../src/runtime/core/oversized.js';
import { limitMessageSize } from '../../../../src/runtime/remote/net/messageSizeFetch.js';

const LIMIT = 1_000;
const big = (n: number): string => 'x'.repeat(n);
const answer = (id: number | string, text: string): string =>
  JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });
const post = (id: number | string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'big' } }),
});

/** Events of an SSE body, parsed the simple way (LF only, one data line each). */
const dataOf = (text: string): unknown[] =>
  text
    .split(/\r?\n\r?\n/)
    .flatMap((e) => e.split(/\r?\n/).filter((l) => l.startsWith('data:')))
    .map((l) => JSON.parse(l.slice(5)) as unknown);

describe('limitMessageSize (remote message size limit)', () => {
  let server: Server;
  let url = '';
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  /** Sizes of the oversized messages dropped for want of a request to answer. */
  const dropped: number[] = [];
  const fetchLimited = limitMessageSize(fetch, { limit: LIMIT, onDropped: (size) => dropped.push(size) });

  before(async () => {
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => (dropped.length = 0));

  const sse = (chunks: string[], eol = '\n'): void => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const chunk of chunks) res.write(chunk.replaceAll('\n', eol));
      res.end();
    };
  };

  it('passes a JSON body within the limit through unchanged', async () => {
    const body = answer(1, big(100));
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    const res = await fetchLimited(url, post(1));
    expect(await res.text()).to.equal(body);
  });

  for (const chunked of [false, true]) {
    it(
      `answers an oversized JSON body by a result_too_large error ` +
        `for the POST's request (${chunked ? 'chunked' : 'content-length'})`,
      async () => {
        const body = answer(7, big(5_000));
        handler = (_req, res) => {
          res.writeHead(200, {
            'content-type': 'application/json',
            ...(chunked ? {} : { 'content-length': body.length }),
          });
          if (!chunked) return res.end(body);
          for (let i = 0; i < body.length; i += 500) res.write(body.slice(i, i + 500));
          res.end();
        };
        const res = await fetchLimited(url, post(7));
        expect(res.status).to.equal(200);
        expect(await res.json()).to.deep.equal({
          jsonrpc: '2.0',
          id: 7,
          error: {
            code: RESULT_TOO_LARGE_CODE,
            message: `result of ${body.length} bytes exceeds the message size limit of ${LIMIT} bytes`,
            data: { reason: 'result_too_large', size: body.length, limit: LIMIT },
          },
        });
      },
    );
  }

  for (const eol of ['\n', '\r\n', '\r']) {
    it(
      `passes events within the limit and replaces an oversized one on a POST stream, ` +
        `then ends it (${JSON.stringify(eol)})`,
      async () => {
        const progress = JSON.stringify({
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progress: 1 },
        });
        const huge = answer('req-9', big(3_000));
        sse(
          [
            `event: message\ndata: ${progress}\n\n`,
            `event: message\nid: 4\ndata: ${huge.slice(0, 1_500)}`,
            `${huge.slice(1_500)}\n\n`,
            'data: {"after":true}\n\n',
          ],
          eol,
        );
        const res = await fetchLimited(url, post('req-9'));
        const text = await res.text();
        const events = dataOf(text.replaceAll('\r\n', '\n').replaceAll('\r', '\n'));
        expect(events).to.have.length(2);
        expect(events[0]).to.deep.equal(JSON.parse(progress));
        expect(events[1]).to.deep.include({ id: 'req-9' });
        const size = (events[1] as { error: { data: { size: number } } }).error.data.size;
        expect(size).to.be.greaterThan(3_000);
      },
    );
  }

  it('on a shared (GET) stream: replaces an oversized answer by the id at its edges and goes on', async () => {
    sse([
      `event: message\ndata: ${answer(12, big(4_000))}\n\n`,
      `event: message\ndata: ${answer(13, 'small')}\n\n`,
    ]);
    const res = await fetchLimited(url, { method: 'GET', headers: { accept: 'text/event-stream' } });
    const events = dataOf(await res.text()) as Array<{ id: number; error?: { code: number } }>;
    expect(events.map((e) => e.id)).to.deep.equal([12, 13]);
    expect(events[0]?.error?.code).to.equal(RESULT_TOO_LARGE_CODE);
    expect(events[1]).to.not.have.property('error');
  });

  it('on a shared stream: drops an oversized request or notification (no answer to forge) and goes on', async () => {
    const note = JSON.stringify({
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { data: big(4_000) },
    });
    const request = JSON.stringify({
      jsonrpc: '2.0',
      id: 3,
      method: 'sampling/createMessage',
      params: { x: big(4_000) },
    });
    sse([`data: ${note}\n\n`, `data: ${request}\n\n`, `data: ${answer(14, 'ok')}\n\n`]);
    const res = await fetchLimited(url, { method: 'GET' });
    const events = dataOf(await res.text()) as Array<{ id: number }>;
    expect(events.map((e) => e.id)).to.deep.equal([14]);
    expect(dropped).to.have.length(2);
    expect(dropped[0]).to.be.greaterThan(4_000);
  });

  it('never holds more than the limit of an error body', async () => {
    handler = (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end(big(10_000));
    const res = await fetchLimited(url, post(1));
    expect(res.status).to.equal(500);
    expect((await res.text()).length).to.equal(LIMIT);
  });
});
