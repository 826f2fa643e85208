import { expect } from 'chai';
import { handleCommand } from '../../src/commands/commandHandler.js';
import { serverDecider, type ServerCommand } from '../../src/commands/serverDecider.js';
import { AppError } from '../../src/errors.js';
import { createMemoryEventStore } from '../../src/events/memoryEventStore.js';
import { config, metadata, register } from './commandHandlerFixtures.js';

describe('commandHandler: appending what the decider decides', () => {
  it('appends the decided events with the envelope taken from command metadata', async () => {
    const store = createMemoryEventStore();
    const result = await handleCommand(
      store,
      'server-alpha',
      serverDecider,
      register,
      metadata({ actor: 'ann', correlationId: 'req-42' }),
    );
    const stored = await store.readStream('server-alpha');
    expect(stored).to.have.length(1);
    expect(stored[0]).to.deep.include({
      streamId: 'server-alpha',
      version: 1,
      position: 1,
      type: 'ServerRegistered',
    });
    expect(stored[0]?.data).to.deep.equal(register.data);
    expect(stored[0]?.metadata).to.deep.equal({
      eventId: 'evt-1',
      occurredAt: '2030-01-02T03:04:05.678Z',
      schemaVersion: 1,
      actor: 'ann',
      correlationId: 'req-42',
    });
    expect(result.position).to.equal(1);
    expect(result.events).to.deep.equal([{ type: 'ServerRegistered', data: register.data }]);
    expect(result.state).to.deep.equal({
      exists: true,
      serverId: 'srv-0001',
      name: 'alpha',
      config,
      enabled: true,
    });
  });

  it('gives each event of one command its own id and leaves actor/correlationId out when not given', async () => {
    const store = createMemoryEventStore();
    await handleCommand(
      store,
      'server-alpha',
      serverDecider,
      { ...register, data: { ...register.data, enabled: false } },
      metadata(),
    );
    const update: ServerCommand = {
      type: 'UpdateServer',
      data: { name: 'alpha', patch: { timeout: 5, enabled: true } },
    };
    const result = await handleCommand(store, 'server-alpha', serverDecider, update, metadata());
    const stored = await store.readStream('server-alpha');
    expect(stored.map((e) => [e.type, e.version, e.metadata.eventId])).to.deep.equal([
      ['ServerRegistered', 1, 'evt-1'],
      ['ServerUpdated', 2, 'evt-1'],
      ['ServerEnabled', 3, 'evt-2'],
    ]);
    expect(stored[1]?.metadata).to.not.have.any.keys('actor', 'correlationId');
    expect(result.position).to.equal(3);
  });

  it('appends nothing for a command that decides no event and returns position 0', async () => {
    const store = createMemoryEventStore();
    await handleCommand(
      store,
      'server-alpha',
      serverDecider,
      { ...register, data: { ...register.data, enabled: false } },
      metadata(),
    );
    const result = await handleCommand(
      store,
      'server-alpha',
      serverDecider,
      { type: 'DisableServer', data: { name: 'alpha' } },
      metadata(),
    );
    expect(result.position).to.equal(0);
    expect(result.events).to.deep.equal([]);
    expect(result.state).to.deep.include({ exists: true, enabled: false });
    expect(await store.headPosition()).to.equal(1);
  });

  it('propagates the AppError of a decider that refuses and appends nothing', async () => {
    const store = createMemoryEventStore();
    let caught: unknown;
    try {
      await handleCommand(
        store,
        'server-ghost',
        serverDecider,
        { type: 'RemoveServer', data: { name: 'ghost' } },
        metadata(),
      );
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(AppError);
    expect((caught as AppError).code).to.equal('server_not_found');
    expect((caught as AppError).status).to.equal(404);
    expect(await store.headPosition()).to.equal(0);
  });
});
