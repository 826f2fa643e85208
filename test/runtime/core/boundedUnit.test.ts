import { expect } from 'chai';
import { BoundedUnit } from '../../../src/runtime/core/boundedUnit.js';
import { EDGE_BYTES } from '../../../src/runtime/core/oversized.js';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const text = (parts: readonly Uint8Array[]): string => Buffer.concat(parts).toString('utf8');

describe('BoundedUnit (one line or event of a byte stream, bounded)', () => {
  it('hands back a unit within the limit piece by piece, and starts the next one empty', () => {
    const unit = new BoundedUnit(10);
    unit.take(bytes('hello '));
    unit.take(bytes(''));
    unit.take(bytes('you!'));
    const ended = unit.end();
    expect('parts' in ended && text(ended.parts)).to.equal('hello you!');
    expect(unit.end()).to.deep.equal({ parts: [] });
  });

  it('keeps only the size and the first and last bytes of a unit over the limit, however it was cut', () => {
    const unit = new BoundedUnit(EDGE_BYTES);
    const head = 'H'.repeat(EDGE_BYTES);
    const tail = 'T'.repeat(EDGE_BYTES);
    const whole = `${head}${'m'.repeat(5_000)}${tail}`;
    for (let at = 0; at < whole.length; at += 333) unit.take(bytes(whole.slice(at, at + 333)));
    expect(unit.skipped).to.equal(true);
    const ended = unit.end();
    if (!('skipped' in ended)) throw new Error('expected the unit to be skipped');
    expect(ended.skipped.size).to.equal(whole.length);
    expect(Buffer.from(ended.skipped.head).toString()).to.equal(head);
    expect(Buffer.from(ended.skipped.tail).toString()).to.equal(tail);
    expect(unit.skipped).to.equal(false);
  });

  it('forgets a unit in progress on clear', () => {
    const unit = new BoundedUnit(4);
    unit.take(bytes('toolong'));
    unit.clear();
    unit.take(bytes('ok'));
    const ended = unit.end();
    expect('parts' in ended && text(ended.parts)).to.equal('ok');
  });
});
