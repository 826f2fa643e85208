import { eventStoreContract } from './eventStoreContract.js';
import { openTestMongoStore, startMongoTarget, type MongoTestTarget } from '../support/mongoTestStore.js';

describe('MongoDB event store', () => {
  let target: MongoTestTarget;
  before(async () => {
    target = await startMongoTarget();
  });
  after(async () => {
    await target.close();
  });

  eventStoreContract(
    `mongo (${process.env.MONGO_TEST_URL ? 'MONGO_TEST_URL' : 'wire test server'})`,
    async () => {
      const opened = await openTestMongoStore(target);
      return { store: opened.store, cleanup: opened.cleanup };
    },
  );
});
