import { expect } from 'chai';
import { serverDecider, type ServerCommand, type ServerState } from '../../src/commands/serverDecider.js';
import { AppError } from '../../src/errors.js';
import type { DomainEvent } from '../../src/events/domainEvents.js';
import type { ServerConfig } from '../../src/events/serverEvents.js';

const config: ServerConfig = {
  transport: {
    transportType: 'stdio',
    command: 'node',
    args: ['server.js'],
    env: { LOG_LEVEL: 'info', MODE: 'prod' },
  },
  secretNames: ['API_KEY'],
  timeout: 60_000,
  startupTimeout: 30_000,
};
const ref = { serverId: 'srv-0001', name: 'alpha' };
const registered: DomainEvent = { type: 'ServerRegistered', data: { ...ref, config, enabled: true } };
const disabled: DomainEvent = { type: 'ServerDisabled', data: ref };
const removed: DomainEvent = { type: 'ServerRemoved', data: ref };

const given = (events: readonly DomainEvent[]): ServerState =>
  events.reduce((s, e) => serverDecider.evolve(s, e), serverDecider.initialState());
const when = (events: readonly DomainEvent[], command: ServerCommand): DomainEvent[] =>
  serverDecider.decide(given(events), command);

function thenError(
  events: readonly DomainEvent[],
  command: ServerCommand,
  code: string,
  status: number,
): AppError {
  let caught: unknown;
  try {
    when(events, command);
  } catch (e) {
    caught = e;
  }
  expect(caught).to.be.instanceOf(AppError);
  const error = caught as AppError;
  expect(error.code).to.equal(code);
  expect(error.status).to.equal(status);
  return error;
}

const update = (patch: Extract<ServerCommand, { type: 'UpdateServer' }>['data']['patch']): ServerCommand => ({
  type: 'UpdateServer',
  data: { name: 'alpha', patch },
});

describe('serverDecider', () => {
  describe('RegisterServer', () => {
    it('registers a new server as ServerRegistered with the full command data', () => {
      const command: ServerCommand = { type: 'RegisterServer', data: { ...ref, config, enabled: false } };
      expect(when([], command)).to.deep.equal([
        { type: 'ServerRegistered', data: { ...ref, config, enabled: false } },
      ]);
    });

    it('refuses to register a name that already exists (409 server_already_exists)', () => {
      const command: ServerCommand = {
        type: 'RegisterServer',
        data: { serverId: 'srv-0002', name: 'alpha', config, enabled: true },
      };
      const error = thenError([registered], command, 'server_already_exists', 409);
      expect(error.message).to.contain('alpha');
      expect(error.details).to.deep.equal({ serverName: 'alpha' });
    });

    it('registers the name again after it was removed, with the new serverId', () => {
      const command: ServerCommand = {
        type: 'RegisterServer',
        data: { serverId: 'srv-0002', name: 'alpha', config, enabled: true },
      };
      expect(when([registered, removed], command)).to.deep.equal([
        { type: 'ServerRegistered', data: { serverId: 'srv-0002', name: 'alpha', config, enabled: true } },
      ]);
    });
  });

  describe('UpdateServer', () => {
    it('merges command, args, env and timeout into the config and emits ServerUpdated with the full config', () => {
      const events = when(
        [registered],
        update({ command: 'python', args: ['-m', 'srv'], env: { A: '1' }, timeout: 5_000 }),
      );
      expect(events).to.deep.equal([
        {
          type: 'ServerUpdated',
          data: {
            ...ref,
            config: {
              transport: { transportType: 'stdio', command: 'python', args: ['-m', 'srv'], env: { A: '1' } },
              secretNames: ['API_KEY'],
              timeout: 5_000,
              startupTimeout: 30_000,
            },
          },
        },
      ]);
    });

    it('sets cwd and startupTimeout while keeping every other field', () => {
      const [event] = when([registered], update({ cwd: '/srv', startupTimeout: 1_000 }));
      expect(event).to.deep.equal({
        type: 'ServerUpdated',
        data: {
          ...ref,
          config: { ...config, transport: { ...config.transport, cwd: '/srv' }, startupTimeout: 1_000 },
        },
      });
    });

    it('clears the secret name list when the patch says secretNames: null', () => {
      const [event] = when([registered], update({ secretNames: null }));
      expect(event?.type).to.equal('ServerUpdated');
      const data = event?.data as { config: ServerConfig };
      expect(data.config).to.not.have.property('secretNames');
      expect(data.config.transport).to.deep.equal(config.transport);
    });

    it('replaces the secret name list when the patch gives one', () => {
      const [event] = when([registered], update({ secretNames: ['TOKEN', 'OTHER'] }));
      expect((event?.data as { config: ServerConfig }).config.secretNames).to.deep.equal(['TOKEN', 'OTHER']);
    });

    it('switches secretDelivery to "env" and back, storing "args" as absence', () => {
      const [toEnv] = when([registered], update({ secretDelivery: 'env' }));
      const envConfig = (toEnv?.data as { config: ServerConfig }).config;
      expect(envConfig.secretDelivery).to.equal('env');
      const envServer = { type: 'ServerUpdated' as const, data: { ...ref, config: envConfig } };
      expect(
        when([registered, envServer], update({ timeout: 1_234 })).map(
          (e) => (e.data as { config: ServerConfig }).config.secretDelivery,
        ),
      ).to.deep.equal(['env']);
      const [toArgs] = when([registered, envServer], update({ secretDelivery: 'args' }));
      expect((toArgs?.data as { config: ServerConfig }).config).to.deep.equal(config);
      expect(when([registered], update({ secretDelivery: 'args' }))).to.deep.equal([]);
    });

    it('emits nothing for a patch that changes nothing (same values, other key order)', () => {
      expect(when([registered], update({}))).to.deep.equal([]);
      expect(
        when(
          [registered],
          update({
            command: 'node',
            env: { MODE: 'prod', LOG_LEVEL: 'info' },
            timeout: 60_000,
            secretNames: ['API_KEY'],
          }),
        ),
      ).to.deep.equal([]);
    });

    it(
      'emits ServerEnabled for enabled: true even when the server is already enabled ' +
        '(retry of a failed server)',
      () => {
        expect(when([registered], update({ enabled: true }))).to.deep.equal([
          { type: 'ServerEnabled', data: ref },
        ]);
      },
    );

    it('emits ServerDisabled for enabled: false on an enabled server', () => {
      expect(when([registered], update({ enabled: false }))).to.deep.equal([
        { type: 'ServerDisabled', data: ref },
      ]);
    });

    it('emits nothing for enabled: false on a disabled server', () => {
      expect(when([registered, disabled], update({ enabled: false }))).to.deep.equal([]);
    });

    it('emits ServerUpdated before ServerEnabled when a patch changes config and enables', () => {
      const events = when([registered, disabled], update({ timeout: 1_234, enabled: true }));
      expect(events.map((e) => e.type)).to.deep.equal(['ServerUpdated', 'ServerEnabled']);
    });

    it('refuses to update a missing server (404 server_not_found)', () => {
      thenError([], update({ timeout: 1 }), 'server_not_found', 404);
    });
  });

  describe('EnableServer / DisableServer / RemoveServer', () => {
    it('enables a disabled server', () => {
      expect(when([registered, disabled], { type: 'EnableServer', data: { name: 'alpha' } })).to.deep.equal([
        { type: 'ServerEnabled', data: ref },
      ]);
    });

    it('disables an enabled server and does nothing for a disabled one', () => {
      expect(when([registered], { type: 'DisableServer', data: { name: 'alpha' } })).to.deep.equal([
        { type: 'ServerDisabled', data: ref },
      ]);
      expect(when([registered, disabled], { type: 'DisableServer', data: { name: 'alpha' } })).to.deep.equal(
        [],
      );
    });

    it('removes an existing server', () => {
      expect(when([registered], { type: 'RemoveServer', data: { name: 'alpha' } })).to.deep.equal([
        { type: 'ServerRemoved', data: ref },
      ]);
    });

    for (const type of ['EnableServer', 'DisableServer', 'RemoveServer'] as const) {
      it(`refuses ${type} on a missing server (404 server_not_found)`, () => {
        const error = thenError([], { type, data: { name: 'ghost' } }, 'server_not_found', 404);
        expect(error.message).to.contain('ghost');
      });

      it(`refuses ${type} on a removed server (404 server_not_found)`, () => {
        thenError([registered, removed], { type, data: { name: 'alpha' } }, 'server_not_found', 404);
      });
    }
  });

  describe('evolve', () => {
    it('starts from a state where no server exists', () => {
      expect(given([])).to.deep.equal({ exists: false });
    });

    it('folds registration, update, disable and enable into the current state', () => {
      const newConfig: ServerConfig = { ...config, timeout: 9 };
      expect(given([registered])).to.deep.equal({ exists: true, ...ref, config, enabled: true });
      expect(
        given([registered, { type: 'ServerUpdated', data: { ...ref, config: newConfig } }, disabled]),
      ).to.deep.equal({
        exists: true,
        ...ref,
        config: newConfig,
        enabled: false,
      });
      expect(given([registered, disabled, { type: 'ServerEnabled', data: ref }])).to.deep.include({
        enabled: true,
      });
    });

    it('folds ServerRemoved back to the initial state', () => {
      expect(given([registered, disabled, removed])).to.deep.equal({ exists: false });
    });

    it('ignores server events on a stream with no server and events of other streams', () => {
      expect(
        given([
          { type: 'ServerEnabled', data: ref },
          { type: 'ServerUpdated', data: { ...ref, config } },
        ]),
      ).to.deep.equal({ exists: false });
      const secretDeleted: DomainEvent = {
        type: 'SecretDeleted',
        data: { serverId: 'srv-0001', serverName: 'alpha', username: 'ann', secretName: 'API_KEY' },
      };
      expect(given([registered, secretDeleted])).to.deep.equal(given([registered]));
    });
  });
});
