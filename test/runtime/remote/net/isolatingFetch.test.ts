import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIsolatingFetch } from '../../../../src/runtime/remote/net/isolatingFetch.js';

describe('createIsolatingFetch', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        return; // stays open until the client cancels
      }
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('leaves no abort listener on a long-lived signal after many requests', async () => {
    const parent = new AbortController();
    const iso = createIsolatingFetch(fetch);
    for (let i = 0; i < 500; i++) await (await iso.fetch(`${url}/x`, { signal: parent.signal })).text();
    expect(getEventListeners(parent.signal, 'abort')).to.have.length(0);
    expect(iso.parentListenerCount()).to.equal(0);
  });

  it('keeps one listener while a streamed body is open and removes it when the body is cancelled', async () => {
    const parent = new AbortController();
    const iso = createIsolatingFetch(fetch);
    const res = await iso.fetch(`${url}/stream`, { signal: parent.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect(iso.parentListenerCount()).to.equal(1);
    await reader.cancel();
    expect(iso.parentListenerCount()).to.equal(0);
  });

  it('still aborts the request when the parent signal aborts', async () => {
    const parent = new AbortController();
    const iso = createIsolatingFetch(fetch);
    const res = await iso.fetch(`${url}/stream`, { signal: parent.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    parent.abort(new Error('closing'));
    let failed = false;
    try {
      for (;;) if ((await reader.read()).done) break;
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    expect(getEventListeners(parent.signal, 'abort')).to.have.length(0);
  });
});
