import { expect } from 'chai';
import { startBodyApp, useBodyApp, type Upload } from '../support/bodyParserApp.js';

const LIMIT = 1024;
/** A JSON object of exactly `size` bytes. */
const sized = (size: number): string => `{"a":"${'x'.repeat(size - 8)}"}`;
const TOO_LARGE = { code: 'payload_too_large', error: 'Request body is larger than 1kb' };
const PATHS: Array<{ readonly name: string; readonly type: string }> = [
  { name: 'our reader', type: 'application/json' },
  { name: 'koa-body', type: 'application/vnd.api+json' },
];

describe('bodyParser: limits and broken uploads', () => {
  const app = useBodyApp('1kb');

  for (const { name, type } of PATHS) {
    describe(`through ${name}`, () => {
      const headers = { 'content-type': type };
      const chunked = (body: string): Upload => ({ headers, chunks: [body.slice(0, 100), body.slice(100)] });

      it('reads a body of exactly the limit, with a length or chunked', async () => {
        expect(sized(LIMIT)).to.have.length(LIMIT);
        expect((await app.send({ headers, body: sized(LIMIT) })).status).to.equal(200);
        expect((await app.send(chunked(sized(LIMIT)))).status).to.equal(200);
      });

      it('refuses one byte more with 413, with a length or chunked', async () => {
        for (const upload of [{ headers, body: sized(LIMIT + 1) }, chunked(sized(LIMIT + 1))]) {
          const res = await app.send(upload);
          expect(res.status).to.equal(413);
          expect(res.body).to.deep.include(TOO_LARGE);
        }
      });

      it('answers 413 to a declared length over the limit before any of the body is sent', async () => {
        const { request, response } = app.upload(`declared-${type}`, {
          headers: { ...headers, 'content-length': String(LIMIT + 1) },
          open: true,
        });
        const res = await response;
        request.destroy();
        expect(res.status).to.equal(413);
        expect(res.body).to.deep.include(TOO_LARGE);
        expect((await app.outcome(`declared-${type}`)).listeners).to.equal(0);
      });

      it('answers 413 as soon as a chunked upload grows over the limit, while it is still being sent', async () => {
        const probe = `growing-${type}`;
        const { request, response } = app.upload(probe, {
          headers,
          chunks: ['{"a":"', 'x'.repeat(LIMIT)],
          open: true,
        });
        const res = await response;
        expect(request.writableEnded).to.equal(false);
        request.destroy();
        expect(res.status).to.equal(413);
        expect(res.body).to.deep.include(TOO_LARGE);
        expect((await app.outcome(probe)).listeners).to.equal(0);
      });

      it('answers 400 invalid_json, and lets go of the request, when the upload is aborted', async () => {
        const probe = `aborted-${type}`;
        const { request, response } = app.upload(probe, { headers, chunks: ['{"a":'], open: true });
        response.catch(() => undefined);
        await app.arrived(probe);
        request.destroy();
        const outcome = await app.outcome(probe);
        expect(outcome.status).to.equal(400);
        expect(outcome.body.code).to.equal('invalid_json');
        expect(outcome.listeners).to.equal(0);
      });

      it('answers 400 invalid_json when the request is destroyed while its body is awaited', async () => {
        const probe = `destroyed-${type}`;
        const { response } = app.upload(probe, {
          path: '/destroyed',
          headers,
          chunks: ['{"a":'],
          open: true,
        });
        response.catch(() => undefined);
        const outcome = await app.outcome(probe);
        expect(outcome).to.deep.include({ status: 400, listeners: 0 });
        expect(outcome.body.code).to.equal('invalid_json');
      });

      it('answers 400 invalid_json when the client sends less than its content-length and then ends', async () => {
        const probe = `short-end-${type}`;
        const head = `POST / HTTP/1.1\nhost: x\ncontent-type: ${type}\ncontent-length: 20`;
        const answer = await app.raw(probe, head, '{"a":', 'end');
        const outcome = await app.outcome(probe);
        expect(outcome).to.deep.include({ status: 400, listeners: 0 });
        expect(outcome.body.code).to.equal('invalid_json');
        // node answers the truncated request itself and closes the connection.
        expect(answer).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
      });

      it('answers 400 invalid_json when the client sends less than its content-length and disconnects', async () => {
        const probe = `short-gone-${type}`;
        const head = `POST / HTTP/1.1\nhost: x\ncontent-type: ${type}\ncontent-length: 20`;
        await app.raw(probe, head, '{"a":', 'destroy');
        const outcome = await app.outcome(probe);
        expect(outcome).to.deep.include({ status: 400, listeners: 0 });
        expect(outcome.body.code).to.equal('invalid_json');
      });

      it('reads only content-length bytes of a longer body (node refuses the rest as a next request)', async () => {
        const probe = `long-${type}`;
        const head = `POST / HTTP/1.1\nhost: x\ncontent-type: ${type}\ncontent-length: 2`;
        const answer = await app.raw(probe, head, '{}{"a":1}\r\n\r\n', 'wait');
        expect((await app.outcome(probe)).body).to.deep.equal({ parsed: true, body: {} });
        expect(answer).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
      });
    });
  }

  it('counts a numeric limit in bytes', async () => {
    const small = await startBodyApp(100);
    try {
      const headers = { 'content-type': 'application/json' };
      expect((await small.send({ headers, body: sized(100) })).status).to.equal(200);
      const res = await small.send({ headers, body: sized(101) });
      expect(res.status).to.equal(413);
      expect(res.body.error).to.equal('Request body is larger than 100');
    } finally {
      await small.close();
    }
  });

  it('refuses a declared length beyond 32 bits with 413 at once', async () => {
    const probe = 'huge';
    const head = 'POST / HTTP/1.1\nhost: x\ncontent-type: application/json\ncontent-length: 4294967298';
    // Before, ~~length wrapped to 2 and the request waited for bytes that never came.
    void app.raw(probe, head, '{}', 'destroy');
    const outcome = await app.outcome(probe);
    expect(outcome.status).to.equal(413);
    expect(outcome.listeners).to.equal(0);
  });
});
