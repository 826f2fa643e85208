import { appendFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { LOCK_FILE } from '../../src/events/fileEventStore.js';
import { INDEX_FILE } from '../../src/events/fileIndexCheckpoint.js';
import { newEvent, rejectionOf } from './eventStoreContract.js';
import { flipBit, useFileEventStoreDir } from './fileEventStoreSetup.js';

describe('file event store: a torn tail is dropped, damaged records are refused', () => {
  const files = useFileEventStoreDir();
  const { open, seed, logged, nextBatch } = files;

  describe('torn tail', () => {
    const cases: [string, () => string][] = [
      ['garbage without a newline', () => '{"batchEnd":4,"posi'],
      ['half a line', () => nextBatch(1).slice(0, 40)],
      [
        'two complete lines of a three-event batch',
        () => nextBatch(3).split('\n').slice(0, 2).join('\n') + '\n',
      ],
      ['two and a half lines of a three-event batch', () => nextBatch(3).slice(0, -30)],
    ];
    for (const [name, tail] of cases) {
      it(`drops ${name}, truncates the file and keeps working`, async () => {
        const size = await seed();
        const torn = tail();
        await appendFile(files.logPath, torn);
        const store = await open();
        expect(await store.headPosition()).to.equal(3);
        expect((await stat(files.logPath)).size).to.equal(size);
        expect(logged('event log had a torn tail; truncated it')[0]).to.include({
          droppedBytes: Buffer.byteLength(torn),
          offset: size,
        });
        expect(await store.append('b', [newEvent('B2')], 1)).to.deep.equal({
          nextVersion: 2,
          lastPosition: 4,
        });
        await store.close();
        const reopened = await open();
        expect((await reopened.readAll(1)).map((e) => e.type)).to.deep.equal(['A1', 'B1', 'A2', 'B2']);
        await reopened.close();
      });
    }

    it('refuses a complete last record that fails its checksum: damage, not a torn write', async () => {
      const size = await seed();
      await appendFile(files.logPath, `00000000${nextBatch(1).slice(8)}`);
      const error = await rejectionOf(open());
      expect((error as Error).message).to.contain(
        `corrupt at byte offset ${size} of events.log (position 4)`,
      );
      expect((await stat(files.logPath)).size).to.be.greaterThan(size);
    });

    it('refuses a damaged last committed record, naming its offset (full scan without a checkpoint)', async () => {
      await seed();
      await rm(join(files.dir, INDEX_FILE));
      const bytes = await readFile(files.logPath);
      const lastLine = bytes.lastIndexOf('\n', bytes.length - 2) + 1;
      flipBit(bytes, lastLine + 30);
      await writeFile(files.logPath, bytes);
      const error = await rejectionOf(open());
      expect((error as Error).message).to.contain(`corrupt at byte offset ${lastLine}`);
      expect((await stat(files.logPath)).size).to.equal(bytes.length);
    });

    it('refuses a damaged last committed record the checkpoint points at', async () => {
      await seed();
      const bytes = await readFile(files.logPath);
      flipBit(bytes, bytes.lastIndexOf('\n', bytes.length - 2) + 30);
      await writeFile(files.logPath, bytes);
      expect((await rejectionOf(open())) as Error)
        .to.have.property('message')
        .that.contains('corrupt at byte offset');
    });
  });

  describe('corruption in the middle', () => {
    async function corruptLine(lineNumber: number): Promise<number> {
      const bytes = await readFile(files.logPath);
      let offset = 0;
      for (let i = 0; i < lineNumber; i++) offset = bytes.indexOf('\n', offset) + 1;
      flipBit(bytes, offset + 40);
      await writeFile(files.logPath, bytes);
      return offset;
    }

    for (const line of [0, 1]) {
      it(`refuses to open when record ${line + 1} of 3 is damaged, naming its byte offset`, async () => {
        const size = await seed();
        // With a checkpoint only the records after it are read at open; mcp-api verify reads them all.
        await rm(join(files.dir, INDEX_FILE));
        const offset = await corruptLine(line);
        const error = await rejectionOf(open());
        expect(error).to.be.instanceOf(Error);
        expect((error as Error).message).to.contain(`corrupt at byte offset ${offset}`);
        expect((await stat(files.logPath)).size).to.equal(size);
        expect(await stat(join(files.dir, LOCK_FILE)).catch(() => undefined)).to.equal(undefined);
      });
    }

    it('refuses to open when an incomplete batch is followed by intact records', async () => {
      const size = await seed();
      const complete = nextBatch(1);
      const partial = nextBatch(3).split('\n')[0] + '\n';
      await appendFile(files.logPath, partial + complete);
      const error = await rejectionOf(open());
      expect((error as Error).message).to.match(new RegExp(`byte offset ${size + partial.length}`));
    });
  });
});
