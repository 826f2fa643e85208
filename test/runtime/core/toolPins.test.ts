import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { handleCommand } from '../../../src/commands/commandHandler.js';
import { serverDecider } from '../../../src/commands/serverDecider.js';
import { createMemoryEventStore } from '../../../src/events/memoryEventStore.js';
import { serverStreamId } from '../../../src/events/serverEvents.js';
import { silentLogger } from '../../../src/logger.js';
import { Projector } from '../../../src/projections/projector.js';
import { ToolPins, type PinRef } from '../../../src/runtime/core/toolPins.js';
import type { ToolDescriptor } from '../../../src/runtime/core/types.js';
import { waitFor } from '../processTestUtils.js';

const meta = () => ({ now: new Date('2026-11-30T12:00:00Z'), newId: randomUUID, actor: 'test' });
const tool = (name: string, description = `${name} v1`): ToolDescriptor => ({
  name,
  description,
  inputSchema: { type: 'object' },
});
const names = (tools: readonly ToolDescriptor[]): string[] => tools.map((t) => t.name);

describe('ToolPins (the tool gate)', () => {
  let projector: Projector;
  let pins: ToolPins;
  let ref: PinRef;
  let update: (patch: { toolApproval: 'auto' | 'manual' }) => Promise<void>;
  const stateOf = () => projector.readModels.toolPins.get(ref.serverId);

  beforeEach(async () => {
    const store = createMemoryEventStore();
    projector = new Projector(store, silentLogger());
    await projector.start();
    pins = new ToolPins({
      store,
      readModels: () => projector.readModels,
      metadata: meta,
      logger: silentLogger(),
      revision: () => projector.checkpoint,
    });
    ref = { serverId: randomUUID(), serverName: 'fx' };
    const config = {
      transport: { transportType: 'stdio' as const, command: 'node', args: [], env: {} },
      timeout: 1000,
      startupTimeout: 1000,
    };
    const data = { serverId: ref.serverId, name: 'fx', config, enabled: true };
    const run = async (command: Parameters<typeof serverDecider.decide>[1]): Promise<void> => {
      const r = await handleCommand(store, serverStreamId('fx'), serverDecider, command, meta());
      await projector.waitFor(r.position);
    };
    await run({ type: 'RegisterServer', data });
    update = (patch) => run({ type: 'UpdateServer', data: { name: 'fx', patch } });
  });
  afterEach(() => projector.stop());

  it("serves the server's first catalogue at once and pins it; a later change is held, the rest served", async () => {
    const first = [tool('a'), tool('b')];
    expect(names(pins.admit(ref, first, 'server'))).to.deep.equal(['a', 'b']);
    await waitFor(() => stateOf()?.established === true, 'first catalogue pinned');
    const changed = [tool('a', 'a v2'), tool('b'), tool('c')];
    expect(names(pins.admit(ref, changed, 'server'))).to.deep.equal(['b']);
    await waitFor(() => stateOf()?.pending.size === 2, 'a and c held');
    expect(pins.held(ref, changed, 'server', 'a')).to.equal(true);
    expect(pins.held(ref, changed, 'server', 'b')).to.equal(false);
    expect(pins.held(ref, changed, 'server', 'zzz')).to.equal(false);
  });

  it("never trusts a per-user process's first catalogue, unless it is the server's own", async () => {
    expect(pins.admit(ref, [tool('a')], 'user_process')).to.deep.equal([]);
    await waitFor(() => stateOf()?.pending.has('a') === true, 'held');
    const own = [tool('a')];
    expect(names(pins.admit(ref, [tool('a')], 'user_process', own))).to.deep.equal(['a']);
    expect(pins.admit(ref, [tool('a', 'other')], 'user_process', own)).to.deep.equal([]);
    // The server's own catalogue pins `a`; what differs from it (the "other" version) stays held.
    pins.admit(ref, own, 'server');
    await waitFor(() => stateOf()?.established === true, 'pinned');
    expect(stateOf()?.pinned.get('a')?.definition.description).to.equal('a v1');
    await waitFor(
      () => stateOf()?.pending.get('a')?.proposed.definition.description === 'other',
      'other held',
    );
  });

  it('auto-approves only what the server itself advertises', async () => {
    pins.admit(ref, [tool('a')], 'server');
    await waitFor(() => stateOf()?.established === true, 'pinned');
    await update({ toolApproval: 'auto' });
    expect(names(pins.admit(ref, [tool('a', 'a v2')], 'server'))).to.deep.equal(['a']);
    await waitFor(() => stateOf()?.pinned.get('a')?.definition.description === 'a v2', 'auto-approved');
    expect(pins.admit(ref, [tool('b')], 'user_process')).to.deep.equal([]);
  });

  it('records the same news once, not on every list', async () => {
    const tools = [tool('a')];
    for (let i = 0; i < 50; i++) pins.admit(ref, tools, 'server');
    await waitFor(() => stateOf()?.established === true, 'pinned');
    const head = projector.checkpoint;
    for (let i = 0; i < 50; i++) pins.admit(ref, tools, 'server');
    await new Promise((r) => setTimeout(r, 50));
    expect(projector.checkpoint).to.equal(head);
  });

  it('answers the same list from memory while the pin state stands, and anew once a change is applied', async () => {
    pins.admit(ref, [tool('a'), tool('b')], 'server');
    await waitFor(() => stateOf()?.established === true, 'first catalogue pinned');
    const changed = [tool('a', 'a v2'), tool('b')];
    expect(names(pins.admit(ref, changed, 'server'))).to.deep.equal(['b']);
    await waitFor(() => stateOf()?.pending.size === 1, 'a v2 held');
    const answer = pins.admit(ref, changed, 'server');
    expect(pins.admit(ref, changed, 'server')).to.equal(answer);
    // Another source or list of the same tools is its own question.
    expect(names(pins.admit(ref, changed, 'user_process'))).to.deep.equal(['b']);
    expect(pins.admit(ref, [...changed], 'server')).to.not.equal(answer);
    await update({ toolApproval: 'auto' });
    expect(names(pins.admit(ref, changed, 'server'))).to.deep.equal(['a', 'b']);
  });
});
