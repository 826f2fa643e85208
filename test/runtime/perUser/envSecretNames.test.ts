import { expect } from 'chai';
import { isInjectableEnvName } from '../../../src/runtime/perUser/envSecretNames.js';

describe('isInjectableEnvName (secrets as environment variables)', () => {
  it('accepts ordinary credential names', () => {
    for (const name of ['GITHUB_PERSONAL_ACCESS_TOKEN', 'SLACK_BOT_TOKEN', 'API_KEY', 'apiKey', '_TOKEN'])
      expect(isInjectableEnvName(name), name).to.equal(true);
  });

  it('refuses names that make loaders, interpreters or shells run code, and the base environment', () => {
    for (const name of [
      'NODE_OPTIONS',
      'node_options',
      'LD_PRELOAD',
      'LD_LIBRARY_PATH',
      'DYLD_INSERT_LIBRARIES',
      'PYTHONSTARTUP',
      'PYTHONPATH',
      'PERL5OPT',
      'RUBYOPT',
      'BASH_ENV',
      'ENV',
      'JAVA_TOOL_OPTIONS',
      'GIT_SSH_COMMAND',
      'NPM_CONFIG_PREFIX',
      'PATH',
      'HOME',
      'SHELL',
      'IFS',
      'LC_ALL',
    ]) {
      expect(isInjectableEnvName(name), name).to.equal(false);
    }
  });

  it('refuses names that are not shell identifiers', () => {
    for (const name of ['api.key', 'api-key', '1TOKEN', 'A=B', ''])
      expect(isInjectableEnvName(name), name).to.equal(false);
  });
});
