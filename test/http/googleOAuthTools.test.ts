import { expect } from 'chai';
import { startTestGateway, waitForStatus, type TestGateway } from '../support/testGateway.js';
import { GOOGLE_FIXTURE, useGoogleLogin } from './googleLogin.js';

describe('Google OAuth2 auth_* tools and hidden parameters', () => {
  const login = useGoogleLogin();

  it('gives auth_* tools no hidden parameters, and does not let arguments smuggle them in', async () => {
    const { gw, tokenFor } = login;
    const auth = await gw.request(
      'POST',
      '/mcp/tool/call',
      { serverName: 'gmail', methodName: 'auth_status', args: {} },
      { token: tokenFor.alice as string },
    );
    const received = JSON.parse(
      (auth.body.data as { content: Array<{ text: string }> }).content[0]!.text,
    ) as Record<string, unknown>;
    expect(received).to.not.have.property('userCredentials');
    expect(received).to.not.have.property('gauthFileContent');
    const smuggled = await gw.request(
      'POST',
      '/mcp/tool/call',
      {
        serverName: 'gmail',
        methodName: 'list_messages',
        args: { userCredentials: { access_token: 'forged' } },
      },
      { token: tokenFor.alice as string },
    );
    expect(smuggled.status).to.equal(400);
    expect(smuggled.body.code).to.equal('invalid_arguments');
  });
});

describe('Google OAuth2 servers without GOOGLE_OAUTH_CREDENTIALS', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
    await gw.request('POST', '/mcp/servers', {
      name: 'gmail',
      command: process.execPath,
      args: [GOOGLE_FIXTURE],
      env: { MCP_AUTH_TYPE: 'OAUTH2_GOOGLE' },
    });
    await waitForStatus(gw, 'gmail', ['connected']);
  });
  after(async () => {
    await gw.close();
  });

  it('answers 503 oauth_not_configured to a login and to a tool call, and still serves auth_* tools', async () => {
    const login = await gw.request('GET', '/auth/google/login?user_id=alice');
    expect(login.status).to.equal(503);
    expect(login.body.code).to.equal('oauth_not_configured');
    const call = await gw.request('POST', '/mcp/tool/call', {
      username: 'alice',
      serverName: 'gmail',
      methodName: 'list_messages',
      args: {},
    });
    expect(call.status).to.equal(503);
    expect(call.body.code).to.equal('oauth_not_configured');
    const auth = await gw.request('POST', '/mcp/tool/call', {
      username: 'alice',
      serverName: 'gmail',
      methodName: 'auth_status',
      args: {},
    });
    expect(auth.status).to.equal(200);
  });
});
