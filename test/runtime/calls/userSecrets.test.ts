import { expect } from 'chai';
import { createSecretBox, deriveKey, type SecretBox } from '../../../src/crypto/secretBox.js';
import type { DomainEvent } from '../../../src/events/domainEvents.js';
import { silentLogger } from '../../../src/logger.js';
import { evolveReadModels, initialReadModels } from '../../../src/projections/readModels.js';
import type { ServerView } from '../../../src/projections/serversProjection.js';
import { UserSecrets } from '../../../src/runtime/calls/userSecrets.js';

const view: ServerView = {
  serverId: 'srv-1',
  name: 'alpha',
  config: {
    transport: { transportType: 'stdio', command: 'node', args: [], env: {} },
    timeout: 1000,
    startupTimeout: 1000,
  },
  enabled: true,
  generation: 1,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
};

/** A real AES-GCM box that counts how often it opens a record. */
function setup(): {
  secrets: UserSecrets;
  set: (name: string, value: string) => void;
  del: (name: string) => void;
  opens: () => number;
} {
  const box = createSecretBox(new Map([[1, deriveKey('user secrets test key material 0123456789', 1)]]));
  let opens = 0;
  const counting: SecretBox = { ...box, open: (sealed, context) => (opens++, box.open(sealed, context)) };
  const models = initialReadModels();
  const apply = (event: DomainEvent): void =>
    void evolveReadModels(models, event, '2030-01-01T00:00:00.000Z');
  const ref = (secretName: string) => ({
    serverId: 'srv-1',
    serverName: 'alpha',
    username: 'ann',
    secretName,
  });
  return {
    secrets: new UserSecrets({ readModels: () => models, secretBox: counting, logger: silentLogger() }),
    set: (name, value) =>
      apply({
        type: 'SecretSet',
        data: {
          ...ref(name),
          sealed: box.seal(value, { username: 'ann', serverName: 'alpha', secretName: name }),
        },
      }),
    del: (name) => apply({ type: 'SecretDeleted', data: ref(name) }),
    opens: () => opens,
  };
}

describe('UserSecrets: plaintext cached per sealed record', () => {
  it('opens a stored record once, however many calls use it', () => {
    const s = setup();
    s.set('TOKEN', 'one');
    for (let i = 0; i < 3; i++) expect(s.secrets.open(view, 'ann')).to.deep.equal({ TOKEN: 'one' });
    expect(s.opens()).to.equal(1);
  });

  it('opens the new record when the secret is replaced, and returns nothing once it is deleted', () => {
    const s = setup();
    s.set('TOKEN', 'one');
    s.secrets.open(view, 'ann');
    s.set('TOKEN', 'two');
    expect(s.secrets.open(view, 'ann')).to.deep.equal({ TOKEN: 'two' });
    expect(s.opens()).to.equal(2);
    s.del('TOKEN');
    expect(s.secrets.open(view, 'ann')).to.deep.equal({});
    expect(s.secrets.openNamed(view, 'ann', 'TOKEN')).to.equal(undefined);
  });

  it('does not serve a cached plaintext to another context: the record is opened (and refused) again', () => {
    const s = setup();
    s.set('TOKEN', 'one');
    s.secrets.open(view, 'ann');
    const renamed = { ...view, name: 'beta' };
    expect(() => s.secrets.open(renamed, 'ann')).to.throw(/cannot be decrypted/);
    expect(s.opens()).to.equal(2);
  });
});
