import { expect } from 'chai';
import { eventStoreKind, loadConfig } from '../src/config.js';

const KEY = 'store-config test key 0123456789abcdef';

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('config: choosing the event store', () => {
  it('uses the embedded file store by default', () => {
    expect(eventStoreKind(loadConfig({}))).to.equal('file');
  });

  it('uses MongoDB as soon as MONGO_URL or MONGO_HOST is set, with MONGO_DBNAME defaulting to mcp', () => {
    const byUrl = loadConfig({
      MONGO_URL: 'mongodb://db1:27017,db2:27017/?replicaSet=rs0',
      SECRETS_KEY: KEY,
    });
    expect(eventStoreKind(byUrl)).to.equal('mongo');
    expect(byUrl.MONGO_DBNAME).to.equal('mcp');
    const byHost = loadConfig({
      MONGO_HOST: 'db1:27017,db2:27017',
      MONGO_USER: 'u',
      MONGO_PASS: 'p',
      MONGO_REPLICA_SET: 'rs0',
      MONGO_DBNAME: 'gw',
      SECRETS_KEY: KEY,
    });
    expect(eventStoreKind(byHost)).to.equal('mongo');
    expect(byHost).to.include({
      MONGO_HOST: 'db1:27017,db2:27017',
      MONGO_REPLICA_SET: 'rs0',
      MONGO_DBNAME: 'gw',
    });
  });

  it('lets EVENT_STORE override the choice', () => {
    expect(eventStoreKind(loadConfig({ EVENT_STORE: 'file', MONGO_HOST: 'db:27017' }))).to.equal('file');
    expect(eventStoreKind(loadConfig({ EVENT_STORE: 'memory' }))).to.equal('memory');
    expect(configError({ EVENT_STORE: 'mongo', SECRETS_KEY: KEY })).to.contain(
      'EVENT_STORE: mongo needs MONGO_URL or MONGO_HOST',
    );
    expect(configError({ EVENT_STORE: 'postgres' })).to.contain('EVENT_STORE:');
  });

  it(
    'requires a shared SECRETS_KEY (or SECRETS_KEYS) with MongoDB: ' +
      'a generated key file would differ per instance',
    () => {
      expect(configError({ MONGO_HOST: 'db:27017' })).to.contain(
        'SECRETS_KEY: required with the MongoDB store',
      );
      expect(eventStoreKind(loadConfig({ MONGO_HOST: 'db:27017', SECRETS_KEYS: `1:${KEY}` }))).to.equal(
        'mongo',
      );
    },
  );

  it('refuses malformed Mongo settings by name, never echoing a value', () => {
    const message = configError({
      MONGO_URL: 'http://canary-host/',
      MONGO_HOST: 'canary host!',
      MONGO_DBNAME: 'canary/db',
      SECRETS_KEY: KEY,
    });
    expect(message).to.contain('MONGO_URL').and.contain('MONGO_HOST').and.contain('MONGO_DBNAME');
    expect(message).to.not.contain('canary');
    expect(configError({ MONGO_HOST: 'db:27017', MONGO_PASS: 'canary-pass', SECRETS_KEY: KEY }))
      .to.contain('MONGO_PASS: set MONGO_USER too')
      .and.not.contain('canary-pass');
  });
});
