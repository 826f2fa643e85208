import { openFileEventStore } from '../src/events/fileEventStore.js';

/**
 * Run by storeBench in a fresh process, so its RSS is the store's alone: opens the file store in
 * argv[2], reports start time, records read and memory as one JSON line, closes.
 */
async function main(): Promise<void> {
  const dir = process.argv[2] as string;
  const t0 = process.hrtime.bigint();
  const store = await openFileEventStore({ dir });
  const openSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const { rss, heapUsed } = process.memoryUsage();
  const stats = store.stats();
  await store.close();
  process.stdout.write(
    JSON.stringify({
      openSeconds,
      recordsRead: stats.recordsReadAtOpen,
      head: stats.head,
      rssMiB: rss / 2 ** 20,
      heapMiB: heapUsed / 2 ** 20,
    }) + '\n',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
