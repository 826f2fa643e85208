import { expect } from 'chai';
import { isAbsolute, resolve } from 'node:path';
import { loadConfig } from '../src/config.js';

const CANARY_KEY = 'canary-secrets-key-0123456789abcdefghijkl';

function configError(env: NodeJS.ProcessEnv): Error {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (e) {
    caught = e;
  }
  expect(caught).to.be.instanceOf(Error);
  return caught as Error;
}

describe('config', () => {
  it('has defaults: PORT 8080, HOST 127.0.0.1, DATA_DIR ./data resolved to an absolute path', () => {
    const config = loadConfig({});
    expect(config.PORT).to.equal(8080);
    expect(config.HOST).to.equal('127.0.0.1');
    expect(isAbsolute(config.DATA_DIR)).to.equal(true);
    expect(config.DATA_DIR).to.equal(resolve(process.cwd(), 'data'));
    expect(config).to.deep.include({
      LOG_LEVEL: 'info',
      BODY_LIMIT: '1mb',
      TOOL_TIMEOUT_MS: 60_000,
      STARTUP_TIMEOUT_MS: 30_000,
      PER_USER_IDLE_TIMEOUT_MS: 600_000,
      PER_USER_MAX_PROCESSES_PER_SERVER: 20,
      PER_USER_MAX_PROCESSES: 100,
      MCP_MAX_SESSIONS_PER_USER: 10,
      MCP_SESSION_IDLE_TIMEOUT_MS: 1_800_000,
      MCP_MAX_CONCURRENT_CALLS_PER_SESSION: 16,
    });
    expect(config.SECRETS_KEY).to.equal(undefined);
    expect(config.SECRETS_KEYS).to.equal(undefined);
  });

  it('reads and coerces the values it is given', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/mcp',
      LOG_LEVEL: 'debug',
      TOOL_TIMEOUT_MS: '1500',
    });
    expect(config).to.deep.include({
      PORT: 9000,
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/mcp',
      LOG_LEVEL: 'debug',
      TOOL_TIMEOUT_MS: 1500,
    });
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({
      PORT: '',
      HOST: '',
      DATA_DIR: '',
      LOG_LEVEL: '',
      BODY_LIMIT: '',
      SECRETS_KEYS: '',
      TOOL_TIMEOUT_MS: '',
    });
    expect(config).to.deep.include({
      PORT: 8080,
      HOST: '127.0.0.1',
      DATA_DIR: resolve('data'),
      LOG_LEVEL: 'info',
      BODY_LIMIT: '1mb',
      TOOL_TIMEOUT_MS: 60_000,
    });
    expect(config.SECRETS_KEYS).to.equal(undefined);
  });

  it('keeps an explicitly empty SECRETS_KEY as empty (so it is refused, not replaced by a generated key)', () => {
    expect(loadConfig({ SECRETS_KEY: '' }).SECRETS_KEY).to.equal('');
  });

  for (const port of ['abc', '70000', '-1', '80.5']) {
    it(`refuses PORT=${port} with an error naming PORT`, () => {
      const error = configError({ PORT: port });
      expect(error.message).to.match(/^Invalid configuration: PORT: /);
    });
  }

  it('lists every bad variable by name in one error', () => {
    const message = configError({ PORT: 'x', LOG_LEVEL: 'loud', BODY_LIMIT: '1 gig' }).message;
    expect(message).to.contain('PORT:');
    expect(message).to.contain('LOG_LEVEL:');
    expect(message).to.contain('BODY_LIMIT: use a size such as 512kb or 1mb');
  });

  it('never puts the SECRETS_KEY value (or any bad value) in the error', () => {
    const message = configError({
      SECRETS_KEY: CANARY_KEY,
      SECRETS_KEYS: `1:${CANARY_KEY}`,
      PORT: 'canary-port',
      LOG_LEVEL: 'canary-level',
    }).message;
    expect(message).to.contain('PORT');
    expect(message).to.not.contain('canary');
  });
});
