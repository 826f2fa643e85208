import { expect } from 'chai';
import { serverDecider, type ServerCommand, type ServerState } from '../../src/commands/serverDecider.js';
import { AppError } from '../../src/errors.js';
import { parseEvent, type DomainEvent } from '../../src/events/domainEvents.js';
import type { ServerConfig } from '../../src/events/serverEvents.js';

const sealed = { keyVersion: 1, iv: 'aXYxMjM0NTY3ODkw', tag: 'dGFnMTIzNDU2Nzg5MDEyMw==', data: 'Y2lwaGVy' };
const remote: ServerConfig = {
  transport: {
    transportType: 'streamable_http',
    url: 'https://mcp.example.com/mcp',
    headers: { 'X-Tenant': 'a' },
    sealedHeaders: { Authorization: sealed },
  },
  timeout: 60_000,
  startupTimeout: 30_000,
};
const stdio: ServerConfig = {
  transport: { transportType: 'stdio', command: 'node', args: ['s.js'], env: {} },
  timeout: 60_000,
  startupTimeout: 30_000,
};
const ref = { serverId: 'srv-0002', name: 'beta' };
const registered = (config: ServerConfig): DomainEvent => ({
  type: 'ServerRegistered',
  data: { ...ref, config, enabled: true },
});
const given = (events: readonly DomainEvent[]): ServerState =>
  events.reduce((s, e) => serverDecider.evolve(s, e), serverDecider.initialState());
const update = (
  events: readonly DomainEvent[],
  patch: Extract<ServerCommand, { type: 'UpdateServer' }>['data']['patch'],
): DomainEvent[] =>
  serverDecider.decide(given(events), { type: 'UpdateServer', data: { name: 'beta', patch } });
const configOf = (events: DomainEvent[]): ServerConfig =>
  (events[0] as Extract<DomainEvent, { type: 'ServerUpdated' }>).data.config;

describe('serverDecider: transports', () => {
  it('reads a stored stdio registration written before remote transports existed', () => {
    const old = {
      type: 'ServerRegistered',
      data: { ...ref, config: stdio, enabled: true },
      metadata: { eventId: 'e', occurredAt: '2030-01-01T00:00:00Z', schemaVersion: 1 },
    };
    expect(parseEvent(old)?.data).to.deep.equal({ ...ref, config: stdio, enabled: true });
  });

  it('changes the url of a remote server and keeps its headers', () => {
    const config = configOf(update([registered(remote)], { url: 'https://other.example.com/mcp' }));
    expect(config.transport).to.deep.include({
      url: 'https://other.example.com/mcp',
      headers: { 'X-Tenant': 'a' },
      sealedHeaders: { Authorization: sealed },
    });
  });

  it('ignores stdio fields on a remote server (reference README), so nothing changes', () => {
    expect(
      update([registered(remote)], { command: 'bash', args: ['-c', 'x'], env: { A: 'b' } }),
    ).to.deep.equal([]);
  });

  it('replaces all headers at once and clears reconnection options with null', () => {
    const withOptions: ServerConfig = {
      ...remote,
      transport: { ...remote.transport, reconnectionOptions: { maxRetries: 5 } } as ServerConfig['transport'],
    };
    const config = configOf(
      update([registered(withOptions)], {
        headers: { plain: { 'X-New': '1' }, sealed: {} },
        reconnectionOptions: null,
      }),
    );
    expect(config.transport).to.deep.equal({
      transportType: 'streamable_http',
      url: 'https://mcp.example.com/mcp',
      headers: { 'X-New': '1' },
    });
  });

  it('switches a stdio server to streamable_http when given a url, and back when given a command', () => {
    const toRemote = configOf(
      update([registered(stdio)], { transportType: 'streamable_http', url: 'https://m.example.com/mcp' }),
    );
    expect(toRemote.transport).to.deep.equal({
      transportType: 'streamable_http',
      url: 'https://m.example.com/mcp',
      headers: {},
    });
    const back = configOf(update([registered(toRemote)], { transportType: 'stdio', command: 'node' }));
    expect(back.transport).to.deep.equal({ transportType: 'stdio', command: 'node', args: [], env: {} });
  });

  it('refuses a switch without the new transport required field (400)', () => {
    expect(() => update([registered(stdio)], { transportType: 'streamable_http' })).to.throw(
      AppError,
      'url is required',
    );
    expect(() => update([registered(remote)], { transportType: 'stdio' })).to.throw(
      AppError,
      'command is required',
    );
  });
});
