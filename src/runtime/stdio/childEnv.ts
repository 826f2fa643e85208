/**
 * The environment a child MCP server gets: a short allow-list from the gateway's own environment
 * (enough to find binaries, locales and CA bundles) plus its configured env. Anything else the
 * gateway holds (SECRETS_KEY, MONGO_*, ADMIN_TOKEN, cloud credentials) never reaches a child.
 */
export const INHERITED_ENV_VARS: readonly string[] = Object.freeze([
  'PATH',
  'HOME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'TEMP',
  'TMP',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'SYSTEMROOT',
]);

export function buildChildEnv(
  parent: NodeJS.ProcessEnv,
  configured: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV_VARS) {
    const value = parent[key];
    // Values starting with "()" are exported shell functions (Shellshock vector), never needed by a server.
    if (value === undefined || value.startsWith('()')) continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(configured)) env[key] = value;
  return env;
}
