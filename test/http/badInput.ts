import { expect } from 'chai';
import { fixtureServer, startTestGateway, type TestGateway } from '../support/testGateway.js';

/** A request the gateway must refuse, and how: status, code, and a word the error message must contain. */
export interface Case {
  readonly what: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly status: number;
  readonly code: string;
  readonly mentions?: string;
}

/**
 * The gateway for one describe block (a 16kb body limit, one stdio fixture server "fx"): started before its
 * tests, closed after them. Returns the running gateway's getter.
 */
export function useBadInputGateway(): () => TestGateway {
  let gw: TestGateway | undefined;
  before(async () => {
    gw = await startTestGateway({ bodyLimit: '16kb' });
    await gw.request('POST', '/mcp/servers', fixtureServer('fx'));
  });
  after(async () => {
    await gw?.close();
  });
  return () => {
    if (!gw)
      throw new Error('the bad-input gateway is not running (outside the describe block that uses it)');
    return gw;
  };
}

/** One test per case: the answer is a JSON error with the case's status and code, and a message. */
export function itAnswersEach(gw: () => TestGateway, cases: readonly Case[]): void {
  for (const c of cases) {
    it(`answers ${c.status} ${c.code} for ${c.what}`, async () => {
      const res = await gw().request(c.method, c.path, c.body);
      expect(res.status, res.text).to.equal(c.status);
      expect(res.body.success).to.equal(false);
      expect(res.body.code).to.equal(c.code);
      expect(res.body.error).to.be.a('string').that.is.not.empty;
      if (c.mentions) expect(String(res.body.error)).to.contain(c.mentions);
    });
  }
}
