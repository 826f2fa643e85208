import { expect } from 'chai';
import { startTestGateway, type TestGateway } from '../support/testGateway.js';

describe('GET /readyz during shutdown', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  it('turns 503 as soon as the gateway begins shutting down, while the other endpoints still answer', async () => {
    expect((await gw.request('GET', '/readyz')).status).to.equal(200);
    gw.gateway.beginShutdown();
    const res = await gw.request('GET', '/readyz');
    expect(res.status).to.equal(503);
    expect(res.body).to.deep.include({ success: false, status: 'not_ready' });
    expect((res.body.checks as Record<string, unknown>).shutdown).to.deep.equal({
      ok: false,
      detail: 'the gateway is shutting down',
    });
    expect((await gw.request('GET', '/healthz')).status).to.equal(200);
    expect((await gw.request('GET', '/mcp/servers')).status).to.equal(200);
  });
});
