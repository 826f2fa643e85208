import { expect } from 'chai';
import { DEFAULT_LOG_LIMIT, LogBuffer } from '../../../src/runtime/core/logBuffer.js';

describe('LogBuffer', () => {
  it('keeps lines oldest first below the limit', () => {
    const logs = new LogBuffer({ limit: 3 });
    logs.push('a');
    logs.push('b');
    expect(logs.lines()).to.deep.equal(['a', 'b']);
  });

  it('drops the oldest lines beyond the limit', () => {
    const logs = new LogBuffer({ limit: 3 });
    for (const l of ['1', '2', '3', '4', '5', '6', '7']) logs.push(l);
    expect(logs.lines()).to.deep.equal(['5', '6', '7']);
    expect(logs.size).to.equal(3);
  });

  it('defaults to 200 lines', () => {
    const logs = new LogBuffer();
    for (let i = 0; i < 450; i++) logs.push(String(i));
    expect(DEFAULT_LOG_LIMIT).to.equal(200);
    expect(logs.lines()).to.have.length(200);
    expect(logs.lines()[0]).to.equal('250');
  });

  it('redacts on push', () => {
    const logs = new LogBuffer({ limit: 5, redact: (l) => l.replaceAll('hunter2', '[redacted]') });
    logs.push('token=hunter2 ok');
    expect(logs.lines()).to.deep.equal(['token=[redacted] ok']);
  });

  it('returns lines a caller cannot change, made anew only after a push', () => {
    const logs = new LogBuffer({ limit: 2 });
    logs.push('x');
    const seen = logs.lines();
    expect(() => (seen as string[]).push('y')).to.throw(TypeError);
    expect(logs.lines()).to.deep.equal(['x']);
    expect(logs.lines()).to.equal(seen);
    logs.push('z');
    expect(logs.lines()).to.deep.equal(['x', 'z']);
    expect(seen).to.deep.equal(['x']);
  });

  it('names the newest line with a cursor that counts every line ever pushed, past the ring', () => {
    const logs = new LogBuffer({ limit: 3 });
    expect(logs.cursor().total).to.equal(0);
    for (const l of ['1', '2', '3', '4', '5']) logs.push(l);
    expect(logs.cursor().total).to.equal(5);
    expect(logs.lines()).to.deep.equal(['3', '4', '5']);
  });

  it('gives each buffer its own epoch, so a cursor never reads as a position in another generation', () => {
    expect(new LogBuffer().cursor().epoch).to.not.equal(new LogBuffer().cursor().epoch);
  });
});
