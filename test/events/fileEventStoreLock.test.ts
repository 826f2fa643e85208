import { spawnSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { LOCK_FILE } from '../../src/events/fileEventStore.js';
import { newEvent, rejectionOf } from './eventStoreContract.js';
import { useFileEventStoreDir } from './fileEventStoreSetup.js';

describe('file event store: one writer per directory (the write lock)', () => {
  const files = useFileEventStoreDir();
  const { open, seed } = files;

  it('refuses a second open of the same directory while the first is open, naming the holder', async () => {
    const first = await open();
    const error = await rejectionOf(open());
    expect((error as Error).message).to.contain(
      `another gateway holds the write lock on ${files.logPath} (pid ${process.pid} on host`,
    );
    await first.close();
    const second = await open();
    await second.close();
  });

  it('does not admit a second writer when the lock file is deleted under a live one', async () => {
    const first = await open();
    await rm(join(files.dir, LOCK_FILE));
    const error = await rejectionOf(open());
    expect((error as Error).message)
      .to.contain('another gateway holds the write lock')
      .and.to.contain('who: unknown');
    await first.append('a', [newEvent('A1')], 0);
    await first.close();
  });

  it('needs no clean-up after a writer died: an old pid-stamped lock file is just information', async () => {
    await seed();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(join(files.dir, LOCK_FILE), String(dead));
    const store = await open();
    expect(JSON.parse(await readFile(join(files.dir, LOCK_FILE), 'utf8'))).to.include({ pid: process.pid });
    expect(await store.headPosition()).to.equal(3);
    await store.close();
  });
});
