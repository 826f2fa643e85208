import { expect } from 'chai';
import type { LogMessage } from '../../../src/runtime/relay/clientRelay.js';
import { RELAYED_CAPABILITIES } from '../../../src/runtime/relay/clientRelay.js';
import { Flight, type Leg } from '../../../src/runtime/relay/flight.js';
import type { ProgressUpdate, ToolResult } from '../../../src/runtime/core/types.js';

/** One request of the client: what reached it. */
function leg(): Leg & { progressSeen: number[]; logs: LogMessage[]; abort: AbortController } {
  const abort = new AbortController();
  const progressSeen: number[] = [];
  const logs: LogMessage[] = [];
  return {
    abort,
    signal: abort.signal,
    progressSeen,
    logs,
    progress: (update: ProgressUpdate) => progressSeen.push(update.progress),
    log: (message) => logs.push(message),
  };
}

describe('Flight (a 2026-07-28 client call across input_required rounds)', () => {
  it("delivers the upstream's progress sent between two rounds on the retry, first and in order", async () => {
    const flight = new Flight('alice\u0000request 1', { ...RELAYED_CAPABILITIES }, undefined);
    let finish: (result: ToolResult) => void = () => undefined;
    flight.start(new Promise<ToolResult>((resolve) => (finish = resolve)));
    const first = leg();
    flight.bind(first);
    flight.progress({ progress: 1 });
    // A legacy upstream asks the client something: the first request ends with input_required.
    const answer = flight.request('roots/list', {}, new AbortController().signal);
    expect((await flight.next()).kind).to.equal('input');
    // The upstream goes on streaming while the client prepares its answer: no request carries the call.
    for (let p = 2; p <= 5; p++) flight.progress({ progress: p });
    flight.log({ level: 'info', data: 'between rounds' });
    const retry = leg();
    flight.bind(retry);
    flight.answer({ q1: { roots: [] } });
    expect(await answer).to.deep.equal({ roots: [] });
    flight.progress({ progress: 6 });
    finish({ content: [] });
    expect((await flight.next()).kind).to.equal('result');
    expect(first.progressSeen).to.deep.equal([1]);
    expect(retry.progressSeen).to.deep.equal([2, 3, 4, 5, 6]);
    expect(retry.logs.map((l) => l.data)).to.deep.equal(['between rounds']);
  });

  it('keeps at most 1,000 messages between rounds and says how many it dropped', async () => {
    const flight = new Flight('alice\u0000request 2', { ...RELAYED_CAPABILITIES }, undefined);
    flight.start(new Promise<ToolResult>(() => undefined));
    flight.bind(leg());
    void flight.request('roots/list', {}, new AbortController().signal).catch(() => undefined);
    await flight.next();
    for (let p = 1; p <= 1_005; p++) flight.progress({ progress: p });
    const retry = leg();
    flight.bind(retry);
    expect(retry.progressSeen).to.have.length(1_000);
    expect(retry.progressSeen.at(-1)).to.equal(1_000);
    expect(retry.logs.map((l) => l.data)).to.deep.equal(['5 messages were dropped between rounds']);
    flight.cancel('test over');
  });
});
