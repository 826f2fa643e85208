import { expect } from 'chai';
import { useTestGateway, type GatewayHook } from '../support/gatewayHooks.js';
import { fixtureServer } from '../support/testGateway.js';

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

/** The gateway for one describe block: a 16kb body limit and one stdio fixture server "fx". */
export function useBadInputGateway(): GatewayHook {
  const hook = useTestGateway({ bodyLimit: '16kb' });
  before(async () => {
    await hook.gw.request('POST', '/mcp/servers', fixtureServer('fx'));
  });
  return hook;
}

/** One test per case: the answer is a JSON error with the case's status and code, and a message. */
export function itAnswersEach(gateway: GatewayHook, cases: readonly Case[]): void {
  for (const c of cases) {
    it(`answers ${c.status} ${c.code} for ${c.what}`, async () => {
      const res = await gateway.gw.request(c.method, c.path, c.body);
      expect(res.status, res.text).to.equal(c.status);
      expect(res.body.success).to.equal(false);
      expect(res.body.code).to.equal(c.code);
      expect(res.body.error).to.be.a('string').that.is.not.empty;
      if (c.mentions) expect(String(res.body.error)).to.contain(c.mentions);
    });
  }
}
