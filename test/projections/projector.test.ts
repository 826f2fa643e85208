import { expect } from 'chai';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { EventStore, NewEvent, RecordedEvent } from '../../src/events/eventStore.js';
import { createMemoryEventStore } from '../../src/events/memoryEventStore.js';
import type { Sealed } from '../../src/events/secretEvents.js';
import type { ServerConfig } from '../../src/events/serverEvents.js';
import { createLogger, silentLogger, type Logger } from '../../src/logger.js';
import { Projector } from '../../src/projections/projector.js';
import { secretsFor } from '../../src/projections/secretsProjection.js';

const config: ServerConfig = {
  transport: { transportType: 'stdio', command: 'node', args: ['server.js'], env: {} },
  timeout: 60_000,
  startupTimeout: 30_000,
};
const sealed: Sealed = { keyVersion: 1, iv: 'aXYtQQ==', tag: 'dGFnLUE=', data: 'QQ==' };

let idCounter = 0;
function envelope(
  type: string,
  data: Record<string, unknown>,
  occurredAt = '2030-01-01T00:00:00.000Z',
): NewEvent {
  return { type, data, metadata: { eventId: `evt-${++idCounter}`, occurredAt, schemaVersion: 1 } };
}
const registered = (name: string, serverId: string, occurredAt?: string): NewEvent =>
  envelope('ServerRegistered', { serverId, name, config, enabled: true }, occurredAt);
const secretSet = (serverId: string, username: string, secretName: string): NewEvent =>
  envelope('SecretSet', { serverId, serverName: 'alpha', username, secretName, sealed });

async function append(store: EventStore, streamId: string, ...events: NewEvent[]): Promise<number> {
  return (await store.append(streamId, events, 'any')).lastPosition;
}

function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return {
    logger: createLogger({
      level: 'debug',
      write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
    }),
    lines,
  };
}

describe('projector', () => {
  let store: EventStore;
  const projectors: Projector[] = [];
  const projector = (logger: Logger = silentLogger()): Projector => {
    const p = new Projector(store, logger);
    projectors.push(p);
    return p;
  };

  beforeEach(() => {
    store = createMemoryEventStore();
  });

  afterEach(async () => {
    for (const p of projectors.splice(0)) p.stop();
    await store.close();
  });

  it('catches up from the events already in the store at start()', async () => {
    await append(store, 'server-alpha', registered('alpha', 'srv-1', '2030-01-01T00:00:01.000Z'));
    await append(store, 'server-beta', registered('beta', 'srv-2'));
    await append(store, 'secrets-srv-1-ann', secretSet('srv-1', 'ann', 'API_KEY'));
    const p = projector();
    expect(p.checkpoint).to.equal(0);
    await p.start();
    expect(p.checkpoint).to.equal(3);
    expect([...p.readModels.servers.keys()].sort()).to.deep.equal(['alpha', 'beta']);
    expect(p.readModels.servers.get('alpha')).to.deep.include({
      serverId: 'srv-1',
      createdAt: '2030-01-01T00:00:01.000Z',
    });
    expect([...secretsFor(p.readModels.secrets, 'srv-1', 'ann').entries()]).to.deep.equal([
      ['API_KEY', sealed],
    ]);
  });

  it('follows events appended after start()', async () => {
    const p = projector();
    await p.start();
    const position = await append(
      store,
      'server-alpha',
      registered('alpha', 'srv-1'),
      envelope('ServerDisabled', { serverId: 'srv-1', name: 'alpha' }),
    );
    await p.waitFor(position);
    expect(p.checkpoint).to.equal(2);
    expect(p.readModels.servers.get('alpha')).to.deep.include({ enabled: false, generation: 1 });
  });

  it('waitFor(position) resolves only once that position is applied, and at once for a past position', async () => {
    const p = projector();
    await p.start();
    let secondSeen = false;
    const second = p.waitFor(2).then(() => {
      secondSeen = p.readModels.servers.has('beta');
    });
    await append(store, 'server-alpha', registered('alpha', 'srv-1'));
    await p.waitFor(1);
    expect(secondSeen).to.equal(false);
    expect(p.readModels.servers.has('alpha')).to.equal(true);
    await append(store, 'server-beta', registered('beta', 'srv-2'));
    await second;
    expect(secondSeen).to.equal(true);
    await p.waitFor(1);
  });

  it('rebuild() yields read models deep-equal to the incrementally built ones', async () => {
    await append(store, 'server-alpha', registered('alpha', 'srv-1'));
    const p = projector();
    await p.start();
    await append(store, 'server-beta', registered('beta', 'srv-2'));
    await append(
      store,
      'server-alpha',
      envelope(
        'ServerUpdated',
        { serverId: 'srv-1', name: 'alpha', config: { ...config, timeout: 5 } },
        '2030-01-02T00:00:00.000Z',
      ),
    );
    await append(store, 'secrets-srv-1-ann', secretSet('srv-1', 'ann', 'A'), secretSet('srv-1', 'ann', 'B'));
    await append(store, 'secrets-srv-2-bob', secretSet('srv-2', 'bob', 'C'));
    await append(
      store,
      'secrets-srv-1-ann',
      envelope('SecretDeleted', { serverId: 'srv-1', serverName: 'alpha', username: 'ann', secretName: 'A' }),
    );
    const last = await append(
      store,
      'server-beta',
      envelope('ServerRemoved', { serverId: 'srv-2', name: 'beta' }),
    );
    await p.waitFor(last);
    const incremental = p.readModels;
    expect(incremental.servers.get('alpha')).to.deep.include({ generation: 2 });
    expect(incremental.servers.has('beta')).to.equal(false);

    await p.rebuild();
    expect(p.readModels).to.not.equal(incremental);
    expect(p.readModels).to.deep.equal(incremental);
    expect(p.checkpoint).to.equal(last);

    const fresh = projector();
    await fresh.start();
    expect(fresh.readModels).to.deep.equal(incremental);
  });

  it('keeps following live events after a rebuild', async () => {
    const p = projector();
    await p.start();
    await p.waitFor(await append(store, 'server-alpha', registered('alpha', 'srv-1')));
    await p.rebuild();
    await p.waitFor(await append(store, 'server-beta', registered('beta', 'srv-2')));
    expect([...p.readModels.servers.keys()].sort()).to.deep.equal(['alpha', 'beta']);
    expect(p.checkpoint).to.equal(2);
  });

  it(
    'skips an event of unknown type or with invalid data at catch-up, ' +
      'logs it, and still applies later events',
    async () => {
      await append(store, 'future-1', envelope('SomethingFromTheFuture', { x: 1 }));
      await append(
        store,
        'server-bad',
        envelope('ServerRegistered', { serverId: 'srv-x', name: 'not a valid name!', config, enabled: true }),
      );
      await append(store, 'server-alpha', registered('alpha', 'srv-1'));
      const { logger, lines } = capturingLogger();
      const p = projector(logger);
      await p.start();
      expect(p.checkpoint).to.equal(3);
      expect([...p.readModels.servers.keys()]).to.deep.equal(['alpha']);
      expect(lines.map((l) => [l.level, l.msg, l.position])).to.deep.equal([
        ['warn', 'skipping event of unknown type', 1],
        ['error', 'skipping unreadable event', 2],
      ]);
    },
  );

  it('skips unreadable live events the same way', async () => {
    const p = projector();
    await p.start();
    await append(store, 'future-1', envelope('SomethingFromTheFuture', { x: 1 }));
    await append(store, 'server-bad', envelope('ServerEnabled', { serverId: '', name: 'alpha' }));
    const last = await append(store, 'server-alpha', registered('alpha', 'srv-1'));
    await p.waitFor(last);
    expect(p.checkpoint).to.equal(3);
    expect([...p.readModels.servers.keys()]).to.deep.equal(['alpha']);
  });

  it('advances the checkpoint past a skipped last event, so waitFor(its position) resolves', async () => {
    await append(store, 'server-alpha', registered('alpha', 'srv-1'));
    await append(store, 'future-1', envelope('SomethingFromTheFuture', {}));
    const p = projector();
    await p.start();
    expect(p.checkpoint).to.equal(2);
    const last = await append(store, 'future-2', envelope('SomethingElseFromTheFuture', {}));
    await p.waitFor(last);
    expect(p.checkpoint).to.equal(3);
    expect([...p.readModels.servers.keys()]).to.deep.equal(['alpha']);
  });

  it("fires 'applied' once per domain event, in order, with the recorded event, and not for skipped ones", async () => {
    await append(store, 'server-alpha', registered('alpha', 'srv-1'));
    const p = projector();
    // The checkpoint is recorded too: listeners hear of an event only once the read models include it.
    const seen: Array<[string, number, string, number]> = [];
    p.on('applied', (event: DomainEvent, recorded: RecordedEvent) => {
      seen.push([event.type, recorded.position, recorded.streamId, p.checkpoint]);
    });
    await p.start();
    await append(store, 'future-1', envelope('SomethingFromTheFuture', {}));
    const last = await append(
      store,
      'server-alpha',
      envelope('ServerDisabled', { serverId: 'srv-1', name: 'alpha' }),
      envelope('ServerEnabled', { serverId: 'srv-1', name: 'alpha' }),
    );
    await p.waitFor(last);
    expect(seen).to.deep.equal([
      ['ServerRegistered', 1, 'server-alpha', 1],
      ['ServerDisabled', 3, 'server-alpha', 3],
      ['ServerEnabled', 4, 'server-alpha', 4],
    ]);
  });

  it('stops following the store after stop()', async () => {
    const p = projector();
    await p.start();
    p.stop();
    await append(store, 'server-alpha', registered('alpha', 'srv-1'));
    // A second projector over the same store proves the event was delivered and is readable.
    const other = projector();
    await other.start();
    expect(other.readModels.servers.has('alpha')).to.equal(true);
    expect(p.checkpoint).to.equal(0);
    expect(p.readModels.servers.size).to.equal(0);
  });

  it('reads a missed range from the store when a live event jumps past checkpoint + 1', async () => {
    // A feed that loses one notification, as a tailing reader on a shared store can.
    const inner = store;
    const lossy: EventStore = {
      ...inner,
      append: (...a) => inner.append(...a),
      readStream: (id) => inner.readStream(id),
      readAll: (from, limit) => inner.readAll(from, limit),
      headPosition: () => inner.headPosition(),
      close: () => inner.close(),
      subscribe: (listener) => inner.subscribe((e) => (e.position === 2 ? undefined : listener(e))),
    };
    const p = new Projector(lossy, silentLogger());
    projectors.push(p);
    await p.start();
    const applied: number[] = [];
    p.on('applied', (_e, recorded) => applied.push(recorded.position));
    await append(store, 'server-alpha', registered('alpha', 'srv-1'));
    await append(store, 'server-beta', registered('beta', 'srv-2'));
    const last = await append(store, 'server-gamma', registered('gamma', 'srv-3'));
    await p.waitFor(last);
    expect(applied).to.deep.equal([1, 2, 3]);
    expect([...p.readModels.servers.keys()]).to.have.members(['alpha', 'beta', 'gamma']);
  });
});
