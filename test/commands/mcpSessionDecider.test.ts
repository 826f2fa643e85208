import { expect } from 'chai';
import {
  mcpSessionDecider,
  type McpSessionCommand,
  type McpSessionState,
} from '../../src/commands/mcpSessionDecider.js';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import { MAX_SESSION_SUBSCRIPTIONS } from '../../src/events/mcpSessionEvents.js';

const sessionKey = 'k'.repeat(32);
const opened: DomainEvent = {
  type: 'McpSessionOpened',
  data: {
    sessionKey,
    subject: 'user:alice',
    username: 'alice',
    protocolVersion: '2025-11-25',
    clientInfo: { name: 'c', version: '1' },
    clientCapabilities: { roots: {} },
    filter: { servers: ['fx'] },
  },
};
const closed: DomainEvent = { type: 'McpSessionClosed', data: { sessionKey, reason: 'deleted' } };
const given = (events: readonly DomainEvent[]): McpSessionState =>
  events.reduce((s, e) => mcpSessionDecider.evolve(s, e), mcpSessionDecider.initialState());
const when = (events: readonly DomainEvent[], command: McpSessionCommand): DomainEvent[] =>
  mcpSessionDecider.decide(given(events), command);
const open: McpSessionCommand = {
  type: 'OpenMcpSession',
  data: opened.data as Extract<DomainEvent, { type: 'McpSessionOpened' }>['data'],
};

describe('mcpSessionDecider', () => {
  it('opens a session once; a second open of the same key records nothing (no takeover)', () => {
    expect(when([], open)).to.deep.equal([opened]);
    expect(when([opened], open)).to.deep.equal([]);
    expect(when([opened, closed], open)).to.deep.equal([]);
  });

  it('records use only of an open session', () => {
    const mark: McpSessionCommand = { type: 'MarkMcpSessionActive', data: { sessionKey } };
    expect(when([opened], mark)).to.deep.equal([{ type: 'McpSessionActive', data: { sessionKey } }]);
    expect(when([], mark)).to.deep.equal([]);
    expect(when([opened, closed], mark)).to.deep.equal([]);
  });

  it('closes an open session once, whatever the reason, so racing instances record one close', () => {
    const close: McpSessionCommand = { type: 'CloseMcpSession', data: { sessionKey, reason: 'idle' } };
    expect(when([opened], close)).to.deep.equal([
      { type: 'McpSessionClosed', data: { sessionKey, reason: 'idle' } },
    ]);
    expect(when([opened, closed], close)).to.deep.equal([]);
    expect(when([], close)).to.deep.equal([]);
  });

  describe('resource subscriptions', () => {
    const item = (uri: string) => ({ sessionKey, server: 'cat', uri });
    const subscribed = (uri: string): DomainEvent => ({ type: 'McpSessionSubscribed', data: item(uri) });
    const subscribe = (uri: string): McpSessionCommand => ({ type: 'SubscribeMcpSession', data: item(uri) });
    const unsubscribe = (uri: string): McpSessionCommand => ({
      type: 'UnsubscribeMcpSession',
      data: item(uri),
    });

    it('records a subscription of an open session once, and its end only while it is held', () => {
      expect(when([opened], subscribe('mem://a'))).to.deep.equal([subscribed('mem://a')]);
      expect(when([opened, subscribed('mem://a')], subscribe('mem://a'))).to.deep.equal([]);
      expect(when([], subscribe('mem://a'))).to.deep.equal([]);
      expect(when([opened, closed], subscribe('mem://a'))).to.deep.equal([]);
      expect(when([opened, subscribed('mem://a')], unsubscribe('mem://a'))).to.deep.equal([
        { type: 'McpSessionUnsubscribed', data: item('mem://a') },
      ]);
      expect(when([opened], unsubscribe('mem://a'))).to.deep.equal([]);
    });

    it(`holds at most ${MAX_SESSION_SUBSCRIPTIONS} per session`, () => {
      const full = [
        opened,
        ...Array.from({ length: MAX_SESSION_SUBSCRIPTIONS }, (_, i) => subscribed(`mem://${i}`)),
      ];
      expect(when(full, subscribe('mem://one-more'))).to.deep.equal([]);
      const freed: DomainEvent = { type: 'McpSessionUnsubscribed', data: item('mem://0') };
      expect(when([...full, freed], subscribe('mem://one-more'))).to.deep.equal([
        subscribed('mem://one-more'),
      ]);
    });
  });
});
