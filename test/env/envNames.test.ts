import { expect } from 'chai';
import { isInjectableEnvName, refusedEnvNames } from '../../src/env/envNames.js';

/**
 * 47 names that make a loader, interpreter, build tool or shell run code or load files (H2: 33 of
 * these once got through to a per-user process, and one ran `cargo run` with a user's RUSTC_WRAPPER).
 */
export const DANGEROUS_ENV_NAMES = [
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'LD_AUDIT',
  'NODE_OPTIONS',
  'NODE_PATH',
  'PYTHONSTARTUP',
  'PYTHONPATH',
  'PYTHONHOME',
  'PERL5OPT',
  'PERL5LIB',
  'RUBYOPT',
  'RUBYLIB',
  'BASH_ENV',
  'ENV',
  'PS4',
  'PROMPT_COMMAND',
  'CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER',
  'CARGO_BUILD_RUSTC_WRAPPER',
  'RUSTC_WRAPPER',
  'RUSTC_WORKSPACE_WRAPPER',
  'RUSTFLAGS',
  'CARGO_ENCODED_RUSTFLAGS',
  'LUA_INIT',
  'LUA_INIT_5_4',
  'LUA_PATH',
  'ERL_AFLAGS',
  'ERL_ZFLAGS',
  'ERL_LIBS',
  'ELIXIR_ERL_OPTIONS',
  'DOTNET_STARTUP_HOOKS',
  'DOTNET_ADDITIONAL_DEPS',
  'CORECLR_PROFILER_PATH',
  'GOFLAGS',
  'GOTOOLCHAIN',
  'CGO_CFLAGS',
  'JAVA_TOOL_OPTIONS',
  'JDK_JAVA_OPTIONS',
  '_JAVA_OPTIONS',
  'CLASSPATH',
  'GIT_SSH_COMMAND',
  'GIT_CONFIG_GLOBAL',
  'OPENSSL_CONF',
  'GCONV_PATH',
  'MAKEFLAGS',
  'CC',
  'GEM_HOME',
  'PHP_INI_SCAN_DIR',
];

describe('env names for per-user processes (src/env/envNames.ts)', () => {
  it('lists 47 distinct dangerous names', () => {
    expect(new Set(DANGEROUS_ENV_NAMES).size).to.equal(47);
  });

  for (const name of DANGEROUS_ENV_NAMES) {
    it(`refuses ${name}, in any case`, () => {
      expect(isInjectableEnvName(name)).to.equal(false);
      expect(isInjectableEnvName(name.toLowerCase())).to.equal(false);
    });
  }

  it('accepts ordinary credential names', () => {
    for (const name of [
      'API_KEY',
      'API_TOKEN',
      'GITHUB_PERSONAL_ACCESS_TOKEN',
      'OPENAI_API_KEY',
      'GOOGLE_API_KEY',
      'SLACK_BOT_TOKEN',
      'DATABASE_URL',
      'AWS_SECRET_ACCESS_KEY',
    ]) {
      expect(isInjectableEnvName(name), name).to.equal(true);
    }
  });

  it('refuses declared unsafe names unless an admin allowed them by name; base variables never', () => {
    expect(refusedEnvNames(['API_KEY', 'RUSTC_WRAPPER', 'LUA_INIT'])).to.deep.equal([
      'RUSTC_WRAPPER',
      'LUA_INIT',
    ]);
    expect(refusedEnvNames(['API_KEY', 'RUSTC_WRAPPER'], ['RUSTC_WRAPPER'])).to.deep.equal([]);
    expect(refusedEnvNames(['PATH', 'HOME'], ['PATH', 'HOME'])).to.deep.equal(['PATH', 'HOME']);
  });
});
