import { expect } from 'chai';
import { MongoClient, MongoServerError } from 'mongodb';
import { startMongoWireServer, type MongoWireServer } from './mongoWire/mongoWireServer.js';

async function serverError(promise: Promise<unknown>): Promise<MongoServerError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof MongoServerError) return e;
    throw e;
  }
  throw new Error('expected a server error');
}

describe('the MongoDB wire test server (test/support/mongoWire)', () => {
  let wire: MongoWireServer;
  let client: MongoClient;
  beforeEach(async () => {
    wire = await startMongoWireServer();
    client = new MongoClient(wire.url, { serverSelectionTimeoutMS: 2000 });
    await client.connect();
  });
  afterEach(async () => {
    await client.close();
    await wire.close();
  });

  it('answers the driver handshake (OP_QUERY) and then speaks OP_MSG', async () => {
    await client.db('t').command({ ping: 1 });
    expect(wire.received.get('ismaster')).to.be.greaterThan(0);
    expect(wire.received.get('ping')).to.equal(1);
  });

  it('enforces unique and partial unique indexes with code 11000', async () => {
    const coll = client.db('t').collection<{ _id: number; s?: string; v?: number }>('c');
    await coll.createIndex(
      { s: 1, v: 1 },
      { unique: true, name: 'sv', partialFilterExpression: { s: { $exists: true } } },
    );
    await coll.insertMany([{ _id: 1, s: 'a', v: 1 }, { _id: 2 }, { _id: 3 }]);
    const dup = await serverError(coll.insertOne({ _id: 4, s: 'a', v: 1 }));
    expect(dup.code).to.equal(11000);
    expect(dup.message).to.contain('index: sv');
    expect((await serverError(coll.insertOne({ _id: 1 }))).code).to.equal(11000);
    expect(await coll.find({}).toArray()).to.have.length(3);
  });

  it('pages a cursor with getMore and sorts, filters and projects', async () => {
    const coll = client.db('t').collection<{ _id: number; g: string }>('c');
    await coll.insertMany(Array.from({ length: 7 }, (_, i) => ({ _id: i + 1, g: i % 2 ? 'odd' : 'even' })));
    const docs = await coll
      .find({ _id: { $gte: 2, $lte: 7 }, g: { $in: ['even'] } }, { batchSize: 2, projection: { g: 0 } })
      .sort({ _id: -1 })
      .toArray();
    expect(docs).to.deep.equal([{ _id: 7 }, { _id: 5 }, { _id: 3 }]);
    expect(wire.received.get('getmore')).to.be.greaterThan(0);
  });

  it('refuses what it does not implement instead of answering wrong', async () => {
    const coll = client.db('t').collection('c');
    const op = await serverError(coll.find({ n: { $regex: 'x' } }).toArray());
    expect(op.code).to.equal(2);
    expect(op.message).to.contain('not implemented by the wire test server');
    const cmd = await serverError(client.db('t').command({ collStats: 'c' }));
    expect(cmd.code).to.equal(59);
  });
});
