import { expect } from 'chai';
import { request } from 'node:http';
import { startTestGateway, type TestGateway } from '../support/testGateway.js';

/** The status line as it went over the wire (fetch hides nothing, but reads statusText from it). */
function statusLine(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '' });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTP reason phrases', () => {
  let gw: TestGateway;
  before(async () => (gw = await startTestGateway()));
  after(() => gw.close());

  it('sends the standard reason phrase with every status, REST and /mcp alike', async () => {
    const auth = { authorization: `Bearer ${gw.adminToken}` };
    expect(await statusLine(`${gw.url}/mcp/servers/nope`, 'GET', auth)).to.deep.equal({ status: 404, reason: 'Not Found' });
    expect(await statusLine(`${gw.url}/mcp/servers`, 'GET', {})).to.deep.equal({ status: 401, reason: 'Unauthorized' });
    // A JSON-RPC request without a session, not an initialize: the SDK answers 400 itself.
    const rpc = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    const headers = { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const mcp = await statusLine(`${gw.url}/mcp`, 'POST', headers, rpc);
    expect(mcp.status).to.be.within(400, 499);
    expect(mcp.reason).not.to.equal('OK');
    expect(mcp.reason).to.equal((await import('node:http')).STATUS_CODES[mcp.status]);
  });
});
