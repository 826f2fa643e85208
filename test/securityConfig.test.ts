import { expect } from 'chai';
import { loadConfig } from '../src/config.js';

const messageOf = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig(env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('security configuration', () => {
  it('defaults to token auth, generous but finite limits and no Google client', () => {
    expect(loadConfig({})).to.deep.include({
      AUTH: 'token',
      GOOGLE_LOGIN_TTL_MS: 600_000,
      MAX_SECRETS_PER_USER: 500,
      MAX_SECRET_VALUE_BYTES: 65_536,
      TOOL_CALLS_PER_MINUTE: 600,
      TOOL_CALL_BURST: 60,
    });
    expect(loadConfig({}).ADMIN_TOKEN).to.equal(undefined);
    expect(loadConfig({}).GOOGLE_OAUTH_CREDENTIALS).to.equal(undefined);
  });

  it('parses lists and the Google client JSON', () => {
    const config = loadConfig({
      ALLOWED_HOSTS: 'mcp.example.com, localhost',
      ALLOWED_ORIGINS: 'https://app.example.com',
      GOOGLE_OAUTH_CREDENTIALS: '{"web":{"client_id":"id","client_secret":"s"}}',
      AUTH: 'none',
    });
    expect(config.ALLOWED_HOSTS).to.deep.equal(['mcp.example.com', 'localhost']);
    expect(config.ALLOWED_ORIGINS).to.deep.equal(['https://app.example.com']);
    expect(config.GOOGLE_OAUTH_CREDENTIALS).to.deep.equal({ web: { client_id: 'id', client_secret: 's' } });
    expect(config.AUTH).to.equal('none');
  });

  it('refuses a weak ADMIN_TOKEN and a malformed Google client JSON without quoting either', () => {
    const message = messageOf({
      ADMIN_TOKEN: 'canary-short',
      GOOGLE_OAUTH_CREDENTIALS: '{"web":{"client_secret":"canary-secret"}}',
    });
    expect(message).to.contain('ADMIN_TOKEN: must be at least 32 characters');
    expect(message).to.contain('GOOGLE_OAUTH_CREDENTIALS: must hold a "web" or "installed" client');
    expect(message).to.not.contain('canary');
    expect(messageOf({ GOOGLE_OAUTH_CREDENTIALS: '{not json canary' })).to.not.contain('canary');
    expect(messageOf({ ADMIN_TOKEN: 'a'.repeat(40) })).to.contain('distinct');
    expect(messageOf({ ADMIN_TOKEN: 'abcdefghij'.repeat(4) })).to.contain(
      'must not repeat a shorter pattern',
    );
    expect(messageOf({ ADMIN_TOKEN: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdefghij' })).to.contain(
      'too predictable',
    );
    expect(
      loadConfig({ ADMIN_TOKEN: 'mcpa_bFdJn7modtJ1ECIsV_o1nAVXvwduVA3bT-gEPCLU5l0' }).ADMIN_TOKEN,
    ).to.be.a('string');
    expect(messageOf({ AUTH: 'maybe' })).to.contain('AUTH');
  });

  it('configures the identity provider with claim defaults, and refuses an incomplete one', () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://mcp.example.com',
      OIDC_ISSUER: 'https://idp.example.com',
      OIDC_CLIENT_ID: 'gw',
      OIDC_CLIENT_SECRET: 's3cret-canary',
    });
    expect(config).to.deep.include({
      OIDC_USERNAME_CLAIM: 'email',
      OIDC_GROUPS_CLAIM: 'groups',
      OAUTH_SERVER: 'on',
    });
    expect(messageOf({ OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_SECRET: 'canary' }))
      .to.contain('OIDC_CLIENT_ID')
      .and.contain('PUBLIC_URL')
      .and.not.contain('canary');
    expect(messageOf({ OIDC_CLIENT_ID: 'gw' })).to.contain('OIDC_ISSUER');
  });
});
