import { expect } from 'chai';
import { startTestGateway, type TestGateway } from '../support/testGateway.js';

describe('GET /auth/methods', () => {
  const gateways: TestGateway[] = [];
  after(async () => {
    for (const gw of gateways) await gw.close();
  });

  it('answers without a token: tokens only while the authorization server is off', async () => {
    const gw = await startTestGateway();
    gateways.push(gw);
    const res = await gw.request('GET', '/auth/methods', undefined, { token: null });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ success: true, token: true, oauth: null });
  });

  it('names the issuer when the gateway runs its OAuth sign-in', async () => {
    const gw = await startTestGateway({ oauth: {} });
    gateways.push(gw);
    const res = await gw.request('GET', '/auth/methods', undefined, { token: null });
    expect(res.body.oauth).to.deep.equal({ issuer: gw.url, identityProvider: false });
  });
});
