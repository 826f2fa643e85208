import { expect } from 'chai';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { ServerConfig } from '../../src/events/serverEvents.js';
import { evolveServers, initialServers, type ServersModel } from '../../src/projections/serversProjection.js';

const config: ServerConfig = {
  transport: { transportType: 'stdio', command: 'node', args: ['server.js'], env: {} },
  timeout: 60_000,
  startupTimeout: 30_000,
};
const alpha = { serverId: 'srv-0001', name: 'alpha' };
const beta = { serverId: 'srv-0002', name: 'beta' };
const T1 = '2030-01-01T00:00:01.000Z';
const T2 = '2030-01-01T00:00:02.000Z';
const T3 = '2030-01-01T00:00:03.000Z';

/** Given events with the time each occurred, the model they fold into. */
const given = (events: ReadonlyArray<readonly [DomainEvent, string]>): ServersModel =>
  events.reduce((m, [e, at]) => evolveServers(m, e, at), initialServers());

const registered = (ref: typeof alpha, enabled = true): DomainEvent => ({
  type: 'ServerRegistered',
  data: { ...ref, config, enabled },
});

describe('serversProjection', () => {
  it('adds a registered server with generation 1 and both timestamps set to the registration time', () => {
    const model = given([[registered(alpha, false), T1]]);
    expect(model.get('alpha')).to.deep.equal({
      ...alpha,
      config,
      enabled: false,
      generation: 1,
      createdAt: T1,
      updatedAt: T1,
    });
  });

  it('keeps servers apart by name', () => {
    const model = given([
      [registered(alpha), T1],
      [registered(beta), T2],
      [{ type: 'ServerDisabled', data: beta }, T3],
    ]);
    expect([...model.keys()].sort()).to.deep.equal(['alpha', 'beta']);
    expect(model.get('alpha')).to.deep.include({ enabled: true, updatedAt: T1 });
    expect(model.get('beta')).to.deep.include({ enabled: false, updatedAt: T3 });
  });

  it('replaces the config and bumps the generation on ServerUpdated', () => {
    const next: ServerConfig = { ...config, timeout: 5 };
    const model = given([
      [registered(alpha), T1],
      [{ type: 'ServerUpdated', data: { ...alpha, config: next } }, T2],
    ]);
    expect(model.get('alpha')).to.deep.equal({
      ...alpha,
      config: next,
      enabled: true,
      generation: 2,
      createdAt: T1,
      updatedAt: T2,
    });
  });

  it('bumps the generation on ServerEnabled, even for an already enabled server', () => {
    const model = given([
      [registered(alpha), T1],
      [{ type: 'ServerEnabled', data: alpha }, T2],
      [{ type: 'ServerEnabled', data: alpha }, T3],
    ]);
    expect(model.get('alpha')).to.deep.include({ enabled: true, generation: 3, updatedAt: T3 });
  });

  it('does not bump the generation on ServerDisabled', () => {
    const model = given([
      [registered(alpha), T1],
      [{ type: 'ServerDisabled', data: alpha }, T2],
    ]);
    expect(model.get('alpha')).to.deep.include({ enabled: false, generation: 1, updatedAt: T2 });
  });

  it('drops the server on ServerRemoved and starts over at generation 1 on re-registration', () => {
    const removed = given([
      [registered(alpha), T1],
      [{ type: 'ServerEnabled', data: alpha }, T2],
      [{ type: 'ServerRemoved', data: alpha }, T3],
    ]);
    expect(removed.has('alpha')).to.equal(false);
    const again = evolveServers(removed, registered({ serverId: 'srv-0003', name: 'alpha' }), T3);
    expect(again.get('alpha')).to.deep.include({ serverId: 'srv-0003', generation: 1, createdAt: T3 });
  });

  it('ignores changes to a server it does not know and events that are not about servers', () => {
    const model = given([
      [{ type: 'ServerEnabled', data: alpha }, T1],
      [{ type: 'ServerUpdated', data: { ...alpha, config } }, T1],
      [
        {
          type: 'SecretDeleted',
          data: { serverId: 'srv-0001', serverName: 'alpha', username: 'ann', secretName: 'K' },
        },
        T1,
      ],
    ]);
    expect(model.size).to.equal(0);
  });

  it('replaces views instead of mutating them, so a view handed out earlier stays as it was', () => {
    const model = given([[registered(alpha), T1]]);
    const before = model.get('alpha');
    evolveServers(model, { type: 'ServerDisabled', data: alpha }, T2);
    expect(before).to.deep.include({ enabled: true, updatedAt: T1 });
    expect(model.get('alpha')).to.not.equal(before);
  });
});
