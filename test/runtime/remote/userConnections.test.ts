import { expect } from 'chai';
import type { ConnectionSlot } from '../../../src/runtime/remote/connectionSlot.js';
import { UserConnections } from '../../../src/runtime/remote/userConnections.js';
import { waitFor } from '../processTestUtils.js';

/** Only close() matters to UserConnections. */
const fakeSlot = (closed: string[], username: string): ConnectionSlot =>
  ({ close: async () => void closed.push(username) }) as unknown as ConnectionSlot;

describe('UserConnections', () => {
  it('creates one slot per user, lazily, and reuses it', async () => {
    const created: string[] = [];
    const users = new UserConnections((u) => (created.push(u), fakeSlot([], u)), 60_000);
    const slots = await Promise.all([
      users.use('ann', async (s) => s),
      users.use('ann', async (s) => s),
      users.use('bob', async (s) => s),
    ]);
    expect(created).to.deep.equal(['ann', 'bob']);
    expect(slots[0]).to.equal(slots[1]);
    expect(users.size).to.equal(2);
    await users.closeAll(false);
  });

  it('evicts a slot after the idle timeout, but never while a call is in flight', async () => {
    const closed: string[] = [];
    const users = new UserConnections((u) => fakeSlot(closed, u), 50);
    let release: () => void = () => undefined;
    const busy = users.use('ann', () => new Promise<void>((resolve) => (release = resolve)));
    await users.use('bob', async () => undefined);
    await waitFor(() => closed.includes('bob'), 'bob evicted');
    await new Promise((r) => setTimeout(r, 120));
    expect(closed).to.deep.equal(['bob']);
    release();
    await busy;
    await waitFor(() => closed.includes('ann'), 'ann evicted once idle');
    expect(users.size).to.equal(0);
  });
});
