/**
 * Which environment variable names a per-user process may receive from a user's secrets. A user
 * chooses their secrets' values, so a name that makes a loader, interpreter, build tool or shell run
 * code or load files (NODE_OPTIONS, LD_PRELOAD, PYTHONSTARTUP, RUSTC_WRAPPER, CARGO_TARGET_*_RUNNER,
 * LUA_INIT, ERL_AFLAGS, DOTNET_STARTUP_HOOKS, GOFLAGS ...) would let any user run code in the server's
 * process. Such names can be declared for a server only with an explicit admin override
 * (`allowUnsafeEnvNames`); the base environment (PATH, HOME, locale...) never comes from secrets.
 * Pure: shared by the HTTP schemas, the server decider and the runtime.
 */
const BASE_ENV = ['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'TEMP', 'TMP', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'SYSTEMROOT', 'PWD', 'OLDPWD'];

const DENIED_EXACT = new Set([
  ...BASE_ENV,
  'IFS', 'ENV', 'BASH_ENV', 'CDPATH', 'PS1', 'PS2', 'PS4', 'PROMPT_COMMAND', 'SHELLOPTS', 'BASHOPTS', 'GLOBIGNORE', 'ZDOTDIR',
  'INPUTRC', 'HISTFILE', 'TERMINFO', 'CLASSPATH', 'HOSTALIASES', 'RES_OPTIONS', 'LOCALDOMAIN', 'NLSPATH', 'LOCPATH',
  'SSLKEYLOGFILE', 'EDITOR', 'VISUAL', 'PAGER', 'BROWSER', 'LESSOPEN', 'LESSCLOSE', 'MANPAGER', 'KUBECONFIG', 'CC', 'CXX',
  'CPP', 'LD', 'AR', 'AS', 'NM', 'RANLIB', 'MAKE', 'MAKEFLAGS', 'MFLAGS', 'GNUMAKEFLAGS', 'IRBRC', 'WGETRC', 'CURL_HOME',
  'NETRC', 'GOROOT', 'GOPATH', 'GOBIN', 'GOENV', 'GOFLAGS', 'GOTOOLCHAIN', 'GOEXPERIMENT', 'GODEBUG', 'GOPROXY',
  'GONOSUMDB', 'GONOSUMCHECK', 'GOPRIVATE', 'GOINSECURE', 'GOWORK', 'GOCACHE', 'GOMODCACHE', 'GOTOOLDIR', 'GCCGO',
  'RUSTC', 'RUSTDOC', 'VIRTUAL_ENV', 'TCLLIBPATH', 'PKG_CONFIG', 'DISPLAY', 'XAUTHORITY', 'DBUS_SESSION_BUS_ADDRESS',
]);

const DENIED_PREFIXES = [
  'LD_', 'DYLD_', 'NODE_', 'NPM_', 'YARN_', 'PNPM_', 'COREPACK_', 'DENO_', 'BUN_', 'ELECTRON_', 'PYTHON', 'PIP_', 'UV_',
  'POETRY_', 'CONDA_', 'PERL', 'RUBY', 'GEM_', 'BUNDLE_', 'LUA_', 'ERL_', 'ELIXIR_', 'MIX_', 'DOTNET_', 'COREHOST_',
  'COMPLUS_', 'CORECLR_', 'JAVA_', 'JDK_', '_JAVA_', 'MAVEN_', 'GRADLE_', 'SBT_', 'CARGO_', 'RUSTC_', 'RUSTDOC_',
  'RUSTUP_', 'CGO_', 'PHP', 'COMPOSER_', 'JULIA_', 'R_', 'TCL_', 'TK_', 'GIT_', 'SSH_', 'GPG', 'GNUPG', 'MALLOC_',
  'GLIBC_', 'GCONV_', 'LC_', 'OPENSSL_', 'XDG_', 'GTK_', 'GIO_', 'GST_', 'QT_', 'LIBGL_', 'MESA_', 'VK_', 'PKG_CONFIG_',
  'PLAYWRIGHT_', 'PUPPETEER_', 'CHROME_', 'BASH_FUNC_',
];

/** Families by ending: *_RUNNER, *_WRAPPER, *FLAGS, *_OPTIONS, *_PATH, *_HOME, *_HOOKS, ... */
const DENIED_SUFFIXES = [
  '_RUNNER', '_WRAPPER', 'FLAGS', '_OPTIONS', 'OPTS', '_OPT', '_PATH', '_HOME', '_HOOKS', '_PRELOAD', '_INIT', 'STARTUP',
  '_LINKER', '_CONFIG', '_CONF', 'RC', '_ASKPASS', '_EXECUTABLE', '_COMMAND', '_CMD', '_SHELL', '_PLUGINS', '_MODULES',
  '_LIBS', '_LIB', '_PROFILE', '_EDITOR', '_PAGER',
];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a name may become an environment variable of a per-user process without an admin override. */
export function isInjectableEnvName(name: string): boolean {
  if (!IDENTIFIER.test(name)) return false;
  const upper = name.toUpperCase();
  if (DENIED_EXACT.has(upper)) return false;
  if (DENIED_PREFIXES.some((p) => upper.startsWith(p))) return false;
  return !DENIED_SUFFIXES.some((s) => upper.endsWith(s));
}

/** Base names that never come from secrets, whatever an admin allows (the gateway sets them). */
export const isBaseEnvName = (name: string): boolean => BASE_ENV.includes(name.toUpperCase());

/** The declared names an env-delivery server may not receive: unsafe ones not explicitly allowed, and base ones. */
export function refusedEnvNames(secretNames: readonly string[], allowUnsafe: readonly string[] = []): string[] {
  return secretNames.filter((n) => isBaseEnvName(n) || !IDENTIFIER.test(n) || (!isInjectableEnvName(n) && !allowUnsafe.includes(n)));
}
