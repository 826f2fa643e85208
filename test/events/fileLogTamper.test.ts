import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { placeBatch, type LogCursor } from '../../src/events/fileBatch.js';
import { openFileEventStore } from '../../src/events/fileEventStore.js';
import { checkFileLog } from '../../src/events/fileLogCheck.js';
import { LogIndex } from '../../src/events/fileLogIndex.js';
import { GENESIS_CHAIN, type RecordAddress } from '../../src/events/fileRecord.js';
import { LOG_FILE } from '../../src/events/fileSegments.js';
import type { RecordedEvent } from '../../src/events/eventStore.js';
import { newEvent } from './eventStoreContract.js';

/** Re-signs a line's checksum after an edit, as an attacker with write access would. */
function withCrc(json: string): string {
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}`;
}
const jsonOf = (line: string): string => line.slice(9);

/** Re-encodes events as a complete, self-consistent log (recomputed chain, links and checksums). */
function rewrite(events: readonly RecordedEvent[]): string {
  const index = new LogIndex();
  let cursor: LogCursor = { segment: 0, size: 0, chain: GENESIS_CHAIN };
  let text = '';
  events.forEach((e, i) => {
    const position = i + 1;
    const version = index.version(e.streamId) + 1;
    const json = JSON.stringify({
      position,
      streamId: e.streamId,
      version,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
    });
    const placed = placeBatch(cursor, [json], position, index.streams.get(e.streamId)?.last ?? null, 1e12);
    index.commit(position, e.streamId, version, placed.addresses[0] as RecordAddress, placed.chains[0]);
    cursor = placed.next;
    text += placed.bytes.toString('utf8');
  });
  return text;
}

describe('tamper evidence of the file log (mcp-api verify)', () => {
  let dir: string;
  let lines: string[];
  let events: RecordedEvent[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tamper-'));
    const store = await openFileEventStore({ dir });
    await store.append('secrets-alice', [newEvent('SecretSet', { name: 'K', sealed: 'old-ciphertext' })], 0);
    for (let i = 0; i < 6; i++) await store.append(`other-${i % 2}`, [newEvent('Noise', { i })], 'any');
    await store.append('secrets-alice', [newEvent('SecretDeleted', { name: 'K' })], 1);
    events = await store.readAll(1);
    await store.close();
    lines = (await readFile(join(dir, LOG_FILE), 'utf8')).trimEnd().split('\n');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const tamper = (edited: string[]): Promise<void> =>
    writeFile(join(dir, LOG_FILE), edited.join('\n') + '\n');
  const firstBad = async (): Promise<unknown> => {
    const check = await checkFileLog(dir);
    expect(check.ok).to.equal(false);
    return check.details['firstBadPosition'];
  };

  it('accepts the untouched log', async () => {
    expect(await checkFileLog(dir)).to.include({ ok: true, records: 8 });
  });

  it('detects an edited record whose checksum was fixed, naming its position', async () => {
    const edited = lines.slice();
    edited[3] = withCrc(jsonOf(lines[3] as string).replace('"i":2', '"i":9'));
    await tamper(edited);
    expect(await firstBad()).to.equal(4);
  });

  it('detects a deleted record', async () => {
    await tamper([...lines.slice(0, 2), ...lines.slice(3)]);
    expect(await firstBad()).to.equal(3);
  });

  it('detects reordered records', async () => {
    const edited = lines.slice();
    [edited[4], edited[5]] = [edited[5] as string, edited[4] as string];
    await tamper(edited);
    expect(await firstBad()).to.equal(5);
  });

  it('detects a resurrected secret: an old record copied to the end, renumbered and re-checksummed', async () => {
    const copy = jsonOf(lines[0] as string)
      .replace('"position":1,', '"position":9,')
      .replace('"version":1,', '"version":3,')
      .replace('"batchEnd":1,', '"batchEnd":9,');
    await tamper([...lines, withCrc(copy)]);
    expect(await firstBad()).to.equal(9);
  });

  it('detects a record moved to another position', async () => {
    const moved = jsonOf(lines[2] as string)
      .replace('"position":3,', '"position":8,')
      .replace('"batchEnd":3,', '"batchEnd":8,');
    const renumbered = lines.slice(3).map((l, i) =>
      withCrc(
        jsonOf(l)
          .replace(`"position":${i + 4},`, `"position":${i + 3},`)
          .replace(`"batchEnd":${i + 4},`, `"batchEnd":${i + 3},`),
      ),
    );
    await tamper([...lines.slice(0, 2), ...renumbered, withCrc(moved)]);
    expect(await firstBad()).to.equal(3);
  });

  it('detects a rollback to an earlier, internally consistent state', async () => {
    await tamper(lines.slice(0, 5));
    const check = await checkFileLog(dir);
    expect(check.ok).to.equal(false);
    expect(check.problems.join('\n')).to.contain(
      'has 5 events but its index checkpoint recorded 8: events were rolled back or deleted',
    );
  });

  it(
    'detects a rewrite with a recomputed chain (secret deletion dropped) ' +
      'against the index checkpoint and the snapshot',
    async () => {
      const withoutDeletion = events.filter((e) => e.type !== 'SecretDeleted');
      const forged = [
        ...withoutDeletion,
        { ...events[1], metadata: { ...events[1]!.metadata, eventId: 'forged' } } as RecordedEvent,
      ];
      await writeFile(join(dir, LOG_FILE), rewrite(forged));
      const check = await checkFileLog(dir, [
        { what: 'projection snapshot', position: 8, eventId: events[7]!.metadata.eventId },
      ]);
      expect(check.ok).to.equal(false);
      expect(check.problems.join('\n'))
        .to.contain('hash chain at position 8 differs from the index checkpoint')
        .and.to.contain('the event at position 8 is not the one the projection snapshot recorded');
    },
  );
});
