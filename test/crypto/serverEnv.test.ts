import { expect } from 'chai';
import { isCredentialEnv, openEnv, sealEnv, viewEnv } from '../../src/crypto/serverEnv.js';
import type { StdioTransport } from '../../src/events/serverEvents.js';
import { testSecretBox } from '../support/testGateway.js';

const stdio = (split: {
  env: Record<string, string>;
  sealedEnv: StdioTransport['sealedEnv'];
}): StdioTransport => ({
  transportType: 'stdio',
  command: 'node',
  args: [],
  env: split.env,
  ...(split.sealedEnv && Object.keys(split.sealedEnv).length > 0 ? { sealedEnv: split.sealedEnv } : {}),
});

describe('server env: credentials sealed like secrets', () => {
  const box = testSecretBox();
  before(async () => {
    await box.prepare('@server');
  });

  it('tells credentials by name (…TOKEN…, …SECRET…, …KEY…, …PASSWORD…) and by shape', () => {
    for (const name of [
      'GITHUB_TOKEN',
      'TOKEN_FILE_CONTENT',
      'CLIENT_SECRET',
      'STRIPE_KEY',
      'API_KEY',
      'DB_PASSWORD',
    ])
      expect(isCredentialEnv(name, 'x'), name).to.equal(true);
    for (const value of [
      'ghp_0123456789abcdefghijABCDEFGHIJ',
      'sk-proj-0123456789abcdefABCDEF',
      'xoxb-1234567890-abcdefghij',
      'AKIAABCDEFGHIJKLMNOP',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
      'https://user:hunter22@db.example.com/app',
      'Zm9vYmFyMTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A',
    ])
      expect(isCredentialEnv('SETTING', value), value).to.equal(true);
    for (const [name, value] of [
      ['NODE_ENV', 'production'],
      ['LOG_LEVEL', 'debug'],
      ['KEYBOARD', 'us'],
      ['MCP_AUTH_TYPE', 'google'],
      ['DATA_PATH', '/var/lib/app/data/0123456789abcdef0123456789abcdef'],
    ] as const)
      expect(isCredentialEnv(name, value), name).to.equal(false);
  });

  it('seals credential values, keeps the rest plain, and opens them again for the process', () => {
    const split = sealEnv({ GITHUB_TOKEN: 'canary-env-token-1', MODE: 'fast' }, 'srv', box);
    expect(split.env).to.deep.equal({ MODE: 'fast' });
    expect(Object.keys(split.sealedEnv)).to.deep.equal(['GITHUB_TOKEN']);
    expect(JSON.stringify(split)).to.not.contain('canary-env-token-1');
    expect(openEnv(stdio(split), 'srv', box)).to.deep.equal({
      MODE: 'fast',
      GITHUB_TOKEN: 'canary-env-token-1',
    });
    expect(() => openEnv(stdio(split), 'other-server', box)).to.throw();
    expect(viewEnv(stdio(split))).to.deep.equal({ MODE: 'fast', GITHUB_TOKEN: '[redacted]' });
  });

  it('sending back the redacted view, or the same value, keeps the stored ciphertext (no change)', () => {
    const stored = stdio(sealEnv({ GITHUB_TOKEN: 'canary-env-token-2', MODE: 'fast' }, 'srv', box));
    const again = sealEnv({ GITHUB_TOKEN: '[redacted]', MODE: 'fast' }, 'srv', box, stored);
    expect(again.sealedEnv).to.deep.equal(stored.sealedEnv);
    const same = sealEnv({ GITHUB_TOKEN: 'canary-env-token-2', MODE: 'fast' }, 'srv', box, stored);
    expect(same.sealedEnv).to.deep.equal(stored.sealedEnv);
    const changed = sealEnv({ GITHUB_TOKEN: 'canary-env-token-3' }, 'srv', box, stored);
    expect(changed.sealedEnv.GITHUB_TOKEN).to.not.deep.equal(stored.sealedEnv?.GITHUB_TOKEN);
  });

  it(
    'migration: a credential stored in clear by an older gateway ' +
      'is redacted in views and sealed when sent back',
    () => {
      const legacy: StdioTransport = {
        transportType: 'stdio',
        command: 'node',
        args: [],
        env: { API_KEY: 'canary-old-1' },
      };
      expect(viewEnv(legacy)).to.deep.equal({ API_KEY: '[redacted]' });
      expect(openEnv(legacy, 'srv', box)).to.deep.equal({ API_KEY: 'canary-old-1' });
      const resealed = sealEnv({ API_KEY: '[redacted]' }, 'srv', box, legacy);
      expect(resealed.env).to.deep.equal({});
      expect(openEnv(stdio(resealed), 'srv', box)).to.deep.equal({ API_KEY: 'canary-old-1' });
    },
  );
});
