import { buildChildEnv } from '../stdio/childEnv.js';

/**
 * Installers (npm, pip) get what every child gets (the allow-list in childEnv.ts) plus what they
 * need to reach a registry from a locked-down network: proxy settings and CA bundles. Nothing
 * else of the gateway's environment (SECRETS_KEY, database passwords) ever reaches them.
 */
export const INSTALLER_ENV_VARS: readonly string[] = Object.freeze([
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'PIP_CERT',
]);

export function buildInstallerEnv(
  parent: NodeJS.ProcessEnv,
  own: Record<string, string>,
): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const key of INSTALLER_ENV_VARS) {
    const value = parent[key];
    if (value !== undefined && !value.startsWith('()')) passed[key] = value;
  }
  return buildChildEnv(parent, { ...passed, ...own });
}
