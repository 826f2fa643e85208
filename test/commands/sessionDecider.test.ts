import { expect } from 'chai';
import { sessionDecider, type SessionCommand, type SessionState } from '../../src/commands/sessionDecider.js';
import type { DomainEvent } from '../../src/events/domainEvents.js';

const ref = {
  serverId: 'srv-1',
  serverName: 'remote',
  connection: '@shared',
  url: 'https://mcp.example.com/mcp',
};
const changed = (sessionId: string | null, extra: Record<string, unknown> = {}): DomainEvent => ({
  type: 'SessionIdChanged',
  data: { ...ref, sessionId, ...extra },
});
const given = (events: readonly DomainEvent[]): SessionState =>
  events.reduce((s, e) => sessionDecider.evolve(s, e), sessionDecider.initialState());
const when = (events: readonly DomainEvent[], command: SessionCommand): DomainEvent[] =>
  sessionDecider.decide(given(events), command);

describe('sessionDecider', () => {
  it('records a new session id with its protocol version', () => {
    expect(
      when([], { type: 'RecordSession', data: { ...ref, sessionId: 's1', protocolVersion: '2025-11-25' } }),
    ).to.deep.equal([changed('s1', { protocolVersion: '2025-11-25' })]);
  });

  it('records nothing when the same session is recorded again', () => {
    expect(when([changed('s1')], { type: 'RecordSession', data: { ...ref, sessionId: 's1' } })).to.deep.equal(
      [],
    );
  });

  it('clears the session it is told failed', () => {
    expect(when([changed('s1')], { type: 'ClearSession', data: { ...ref, sessionId: 's1' } })).to.deep.equal([
      changed(null),
    ]);
  });

  it('does not clear a newer session another instance recorded', () => {
    expect(
      when([changed('s1'), changed('s2')], { type: 'ClearSession', data: { ...ref, sessionId: 's1' } }),
    ).to.deep.equal([]);
  });
});
