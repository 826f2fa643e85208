import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { useBodyApp } from '../support/bodyParserApp.js';

const UNPARSED = { parsed: false, body: null };
const PARSED = { parsed: true, body: { a: 1 } };
const JSON_BODY = '{"a":1}';

describe('bodyParser: which requests are read', () => {
  const app = useBodyApp('1kb');
  const post = (headers: Record<string, string>, body: Buffer | string = JSON_BODY, method = 'POST') =>
    app.send({ method, headers, body });

  for (const method of ['GET', 'DELETE', 'OPTIONS']) {
    it(`does not read the body of a ${method}`, async () => {
      const res = await post({ 'content-type': 'application/json' }, '{broken', method);
      expect(res.body).to.deep.equal(UNPARSED);
    });
  }

  for (const type of [
    'application/json',
    'Application/JSON',
    'application/json;charset=utf-8',
    'application/json ; charset=UTF8',
    'application/json;;;x',
    'application/json-patch+json',
    'application/vnd.api+json',
    'application/csp-report',
    'application/reports+json',
  ]) {
    it(`reads ${type}`, async () => {
      expect((await post({ 'content-type': type })).body).to.deep.equal(PARSED);
    });
  }

  for (const type of [
    'application/x-www-form-urlencoded',
    'text/plain',
    'application/xml',
    'application/jsonx',
  ]) {
    it(`leaves ${type} unread (the route then refuses the missing body)`, async () => {
      expect((await post({ 'content-type': type })).body).to.deep.equal(UNPARSED);
    });
  }

  it('leaves a body without a content type unread', async () => {
    expect((await post({})).body).to.deep.equal(UNPARSED);
  });

  it('leaves a JSON request with neither a length nor chunks unread (it has no body)', async () => {
    const head = 'POST / HTTP/1.1\nhost: x\ncontent-type: application/json\nconnection: close';
    const answer = await app.raw('no-length', head, '', 'wait');
    expect(answer).to.match(/^HTTP\/1\.1 200 /);
    expect((await app.outcome('no-length')).body).to.deep.equal(UNPARSED);
  });

  it('decodes the body as UTF-8 whatever charset is declared, as co-body does', async () => {
    for (const charset of ['iso-8859-1', 'utf-16le', 'nonsense']) {
      const res = await post({ 'content-type': `application/json; charset=${charset}` }, '{"a":"é"}');
      expect(res.body, charset).to.deep.equal({ parsed: true, body: { a: 'é' } });
    }
  });

  describe('content codings', () => {
    const json = { 'content-type': 'application/json' };
    it('inflates gzip, deflate and br bodies', async () => {
      for (const [coding, body] of [
        ['gzip', gzipSync(JSON_BODY)],
        ['deflate', deflateSync(JSON_BODY)],
        ['br', brotliCompressSync(JSON_BODY)],
      ] as const) {
        const res = await post({ ...json, 'content-encoding': coding }, body);
        expect(res.body, coding).to.deep.equal(PARSED);
      }
    });

    it('reads identity and empty codings as plain bodies', async () => {
      expect((await post({ ...json, 'content-encoding': 'identity' })).body).to.deep.equal(PARSED);
      expect((await post({ ...json, 'content-encoding': '' })).body).to.deep.equal(PARSED);
    });

    for (const coding of ['compress', 'IDENTITY', 'gzip, identity']) {
      it(`refuses the coding "${coding}" with 400 invalid_request`, async () => {
        const res = await post({ ...json, 'content-encoding': coding });
        expect(res.status).to.equal(400);
        expect(res.body).to.deep.include({
          code: 'invalid_request',
          error: 'Unsupported content type; send application/json',
        });
      });
    }

    it('refuses a gzip body that is broken with 400 invalid_json', async () => {
      const res = await post({ ...json, 'content-encoding': 'gzip' }, 'not gzip');
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('invalid_json');
    });

    it('refuses a gzip body that inflates over the limit with 413', async () => {
      const res = await post(
        { ...json, 'content-encoding': 'gzip' },
        gzipSync(`{"a":"${'x'.repeat(5_000)}"}`),
      );
      expect(res.status).to.equal(413);
      expect(res.body).to.deep.include({
        code: 'payload_too_large',
        error: 'Request body is larger than 1kb',
      });
    });
  });

  it('refuses a body an earlier middleware already read, with 400 invalid_json', async () => {
    const res = await app.send({
      path: '/consumed',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('invalid_json');
  });
});
