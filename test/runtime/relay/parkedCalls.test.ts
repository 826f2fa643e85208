import { expect } from 'chai';
import { Flight } from '../../../src/runtime/relay/flight.js';
import { ParkedCalls } from '../../../src/runtime/relay/parkedCalls.js';
import { waitFor } from '../processTestUtils.js';

const flight = (): Flight => new Flight('owner', {}, undefined);

describe('ParkedCalls (2026-07-28 calls waiting for the client’s retry)', () => {
  it('resumes a parked call once, only for the same user and tool', () => {
    const parked = new ParkedCalls();
    const f = flight();
    const state = parked.park(f, 'ann', 'srv__elicit')!;
    expect(parked.take(state, 'bea', 'srv__elicit')).to.equal(undefined);
    expect(parked.take(state, 'ann', 'srv__other')).to.equal(undefined);
    expect(parked.take(state, 'ann', 'srv__elicit')).to.equal(f);
    expect(parked.take(state, 'ann', 'srv__elicit')).to.equal(undefined);
    parked.close();
  });

  it('caps the calls a user may have waiting', () => {
    const parked = new ParkedCalls(60_000, 2);
    expect(parked.park(flight(), 'ann', 't')).to.be.a('string');
    expect(parked.park(flight(), 'ann', 't')).to.be.a('string');
    expect(parked.park(flight(), 'ann', 't')).to.equal(undefined);
    expect(parked.park(flight(), 'bea', 't')).to.be.a('string');
    parked.close();
  });

  it('cancels the upstream call when the client never comes back', async () => {
    const parked = new ParkedCalls(20);
    const f = flight();
    parked.park(f, 'ann', 't');
    await waitFor(() => f.signal.aborted, 'the parked call to be cancelled');
    parked.close();
  });
});
