import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen, ListenError, trackRequests } from '../src/httpServer.js';

/** A server whose /slow?ms= answers after ms, and tells the test when a request has arrived. */
function slowServer(arrived: () => void): Server {
  return createServer((req, res) => {
    arrived();
    const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? '0');
    setTimeout(() => res.end(`slept ${ms}`), ms);
  });
}

describe('httpServer', () => {
  describe('listen', () => {
    it('rejects with a ListenError naming the address when the port is in use', async () => {
      const first = createServer();
      await listen(first, 0, '127.0.0.1');
      const port = (first.address() as AddressInfo).port;
      const second = createServer();
      let error: unknown;
      await listen(second, port, '127.0.0.1').catch((e: unknown) => (error = e));
      first.close();
      expect(error).to.be.instanceOf(ListenError);
      expect((error as ListenError).code).to.equal('EADDRINUSE');
      expect((error as ListenError).message).to.equal(
        `127.0.0.1:${port} is already in use; set PORT (or HOST) to another value`,
      );
    });
  });

  describe('trackRequests().drain', () => {
    let server: Server;
    let url: string;
    let arrivals = 0;
    let onArrival: (() => void) | undefined;
    beforeEach(async () => {
      arrivals = 0;
      server = slowServer(() => {
        arrivals++;
        onArrival?.();
      });
      await listen(server, 0, '127.0.0.1');
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(() => {
      server.closeAllConnections();
      server.close();
    });
    const arrived = (n: number): Promise<void> =>
      new Promise((resolve) => {
        onArrival = () => arrivals >= n && resolve();
        onArrival();
      });

    it('lets every in-flight request finish, then refuses new connections', async () => {
      const http = trackRequests(server);
      const calls = Array.from({ length: 8 }, () =>
        fetch(`${url}/slow?ms=300`).then(async (r) => ({
          status: r.status,
          text: await r.text(),
          connection: r.headers.get('connection'),
        })),
      );
      await arrived(8);
      expect(http.inFlight).to.equal(8);
      const drained = http.drain(10_000);
      const answers = await Promise.all(calls);
      expect(answers.map((a) => a.text)).to.deep.equal(answers.map(() => 'slept 300'));
      expect(
        answers.every((a) => a.connection === 'close'),
        'clients are told not to reuse the connection',
      ).to.equal(true);
      expect(await drained).to.equal(0);
      let refused: unknown;
      await fetch(`${url}/slow?ms=0`).catch((e: unknown) => (refused = e));
      expect(refused, 'a new connection after the drain').to.be.instanceOf(Error);
    });

    it('cuts off what is still running at the deadline and says how many', async () => {
      const http = trackRequests(server);
      const hung = fetch(`${url}/slow?ms=60000`).then(
        () => 'answered',
        () => 'cut off',
      );
      await arrived(1);
      expect(await http.drain(50)).to.equal(1);
      expect(await hung).to.equal('cut off');
    });
  });
});
