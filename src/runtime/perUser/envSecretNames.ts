import { INHERITED_ENV_VARS } from '../stdio/childEnv.js';

/**
 * Which secret names may become environment variables of a per-user process. A user chooses the
 * names and values of their own secrets, so a name that makes a loader, interpreter or shell run
 * code (NODE_OPTIONS, LD_PRELOAD, PYTHONSTARTUP, BASH_ENV, ...) would let any user run arbitrary
 * code as the gateway's OS user. Those names, and the allow-listed base environment (PATH, HOME,
 * ...), are never taken from secrets. Names must also be portable shell identifiers.
 */
const DENIED_EXACT = new Set([
  ...INHERITED_ENV_VARS,
  'IFS',
  'ENV',
  'BASH_ENV',
  'CDPATH',
  'PS4',
  'PROMPT_COMMAND',
  'SHELLOPTS',
  'BASHOPTS',
  'GLOBIGNORE',
  'CLASSPATH',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'GEM_HOME',
  'GEM_PATH',
  'BUNDLE_GEMFILE',
  'HOSTALIASES',
  'RES_OPTIONS',
  'LOCALDOMAIN',
  'OPENSSL_CONF',
  'OPENSSL_MODULES',
  'SSLKEYLOGFILE',
  'GCONV_PATH',
  'EDITOR',
  'VISUAL',
  'PAGER',
  'BROWSER',
]);

const DENIED_PREFIXES = ['LD_', 'DYLD_', 'NODE_', 'NPM_CONFIG_', 'PYTHON', 'PERL', 'RUBY', 'UV_', 'PIP_', 'GIT_', 'MALLOC_', 'GLIBC_', 'LC_', 'DENO_', 'BUN_'];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isInjectableEnvName(name: string): boolean {
  if (!IDENTIFIER.test(name)) return false;
  const upper = name.toUpperCase();
  if (DENIED_EXACT.has(upper)) return false;
  return !DENIED_PREFIXES.some((prefix) => upper.startsWith(prefix));
}
