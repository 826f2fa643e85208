import { expect } from 'chai';
import { buildChildEnv } from '../../../src/runtime/stdio/childEnv.js';

describe('buildChildEnv', () => {
  const parent: NodeJS.ProcessEnv = {
    PATH: '/usr/bin:/bin',
    HOME: '/home/gw',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
    SECRETS_KEY: 'super-secret-key',
    MONGO_URL: 'mongodb://user:pw@db',
    ADMIN_TOKEN: 'admin',
    CANARY_PARENT_ONLY: 'canary-7f3a',
    SHELL: '() { :; }; echo pwned',
  };

  it('passes allow-listed variables from the parent', () => {
    const env = buildChildEnv(parent, {});
    expect(env).to.deep.equal({
      PATH: '/usr/bin:/bin',
      HOME: '/home/gw',
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
    });
  });

  it('never passes gateway secrets or unknown parent variables', () => {
    const env = buildChildEnv(parent, {});
    for (const key of ['SECRETS_KEY', 'MONGO_URL', 'ADMIN_TOKEN', 'CANARY_PARENT_ONLY'])
      expect(env).not.to.have.property(key);
    expect(JSON.stringify(env)).not.to.contain('canary-7f3a');
  });

  it('skips shell-function values', () => {
    expect(buildChildEnv(parent, {})).not.to.have.property('SHELL');
  });

  it('lays the configured env on top, configured values winning', () => {
    const env = buildChildEnv(parent, { PATH: '/opt/bin', API_URL: 'https://example.test' });
    expect(env.PATH).to.equal('/opt/bin');
    expect(env.API_URL).to.equal('https://example.test');
    expect(env.HOME).to.equal('/home/gw');
  });
});
