import { expect } from 'chai';
import { connectMongo, mongoClientConfig, withoutCredentials } from '../../src/events/mongoConnection.js';
import { createLogger } from '../../src/logger.js';
import { startMongoWireServer } from '../support/mongoWire/mongoWireServer.js';

const PASSWORD = 'canary-p@ss/word:1';

describe('MongoDB connection settings', () => {
  it('builds the URL from MONGO_HOST and passes credentials as options, never inside the URL', () => {
    const config = mongoClientConfig({
      host: 'db1:27017,db2:27017',
      user: 'gw',
      password: PASSWORD,
      dbName: 'mcp',
      replicaSet: 'rs0',
      authSource: 'admin',
    });
    expect(config.url).to.equal('mongodb://db1:27017,db2:27017/');
    expect(config.url).to.not.contain('canary');
    expect(config.options).to.deep.include({
      auth: { username: 'gw', password: PASSWORD },
      replicaSet: 'rs0',
      authSource: 'admin',
    });
    expect(config.where).to.equal('mongodb://db1:27017,db2:27017/');
  });

  it('prefers MONGO_URL and shows it without its credentials', () => {
    const config = mongoClientConfig({
      url: 'mongodb+srv://gw:secret@cluster.example.net/?retryWrites=true',
      host: 'ignored:1',
      dbName: 'mcp',
    });
    expect(config.url).to.equal('mongodb+srv://gw:secret@cluster.example.net/?retryWrites=true');
    expect(config.where).to.equal('mongodb+srv://***@cluster.example.net/?retryWrites=true');
    expect(withoutCredentials('mongodb://a:b@h:1,h:2/db')).to.equal('mongodb://***@h:1,h:2/db');
  });

  it('fails to connect with a store_unavailable error and logs that name no password', async () => {
    const wire = await startMongoWireServer();
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    try {
      for (const settings of [
        { host: wire.url.slice('mongodb://'.length), user: 'gw', password: PASSWORD, dbName: 'mcp' },
        {
          url: `mongodb://gw:${encodeURIComponent(PASSWORD)}@${wire.url.slice('mongodb://'.length)}/`,
          dbName: 'mcp',
        },
      ]) {
        let error: unknown;
        await connectMongo(settings, logger).catch((e: unknown) => (error = e));
        expect(error).to.have.property('code', 'store_unavailable');
        const text = `${(error as Error).message} ${lines.join('\n')}`;
        expect(text).to.contain('Cannot connect to MongoDB');
        expect(text).to.not.contain(PASSWORD).and.not.contain(encodeURIComponent(PASSWORD));
      }
    } finally {
      await wire.close();
    }
  });
});
