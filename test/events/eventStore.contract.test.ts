import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileEventStore } from '../../src/events/fileEventStore.js';
import { createMemoryEventStore } from '../../src/events/memoryEventStore.js';
import { eventStoreContract } from './eventStoreContract.js';

eventStoreContract('memory', async () => {
  const store = createMemoryEventStore();
  return { store, cleanup: () => store.close() };
});

eventStoreContract('file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'event-store-contract-'));
  const store = await openFileEventStore({ dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
