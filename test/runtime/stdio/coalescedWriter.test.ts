import { expect } from 'chai';
import { CoalescedWriter, type WriteTarget } from '../../../src/runtime/stdio/coalescedWriter.js';

/** A target that records each write and answers its callback when told to. */
function target(): WriteTarget & { writes: string[]; finish: (error?: Error) => void } {
  const callbacks: Array<(error?: Error | null) => void> = [];
  return {
    writes: [],
    write(chunk, callback) {
      this.writes.push(chunk);
      callbacks.push(callback);
      return true;
    },
    finish(error) {
      for (const cb of callbacks.splice(0)) cb(error ?? null);
    },
  };
}

describe('CoalescedWriter (stdin of a stdio upstream)', () => {
  it('sends the messages of one turn of the event loop as one write, in order', async () => {
    const t = target();
    const writer = new CoalescedWriter(t);
    const sent = [writer.write('a\n'), writer.write('b\n'), writer.write('c\n')];
    expect(t.writes).to.deep.equal([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.writes).to.deep.equal(['a\nb\nc\n']);
    t.finish();
    await Promise.all(sent);
  });

  it('starts a new write for messages after the flush', async () => {
    const t = target();
    const writer = new CoalescedWriter(t);
    const first = writer.write('a\n');
    await new Promise((resolve) => setImmediate(resolve));
    const second = writer.write('b\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.writes).to.deep.equal(['a\n', 'b\n']);
    t.finish();
    await Promise.all([first, second]);
  });

  it('rejects every message of a write that failed', async () => {
    const t = target();
    const writer = new CoalescedWriter(t);
    const sent = [writer.write('a\n'), writer.write('b\n')].map((p) => p.catch((e: Error) => e.message));
    await new Promise((resolve) => setImmediate(resolve));
    t.finish(new Error('EPIPE'));
    expect(await Promise.all(sent)).to.deep.equal(['EPIPE', 'EPIPE']);
  });

  it('writes what is pending at once when flushed (before stdin is ended)', () => {
    const t = target();
    const writer = new CoalescedWriter(t, () => undefined);
    void writer.write('a\n');
    writer.flush();
    expect(t.writes).to.deep.equal(['a\n']);
  });
});
