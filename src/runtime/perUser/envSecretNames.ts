import { isBaseEnvName, isInjectableEnvName as isSafeName } from '../../env/envNames.js';
import { INHERITED_ENV_VARS } from '../stdio/childEnv.js';

export { refusedEnvNames } from '../../env/envNames.js';

/**
 * Which secret names may become environment variables of a per-user process (policy in
 * src/env/envNames.ts). `allowUnsafe` holds the names an admin explicitly allowed for this server;
 * the inherited base environment (PATH, HOME, CA bundles...) is never taken from secrets.
 */
export function isInjectableEnvName(name: string, allowUnsafe: readonly string[] = []): boolean {
  if (INHERITED_ENV_VARS.includes(name.toUpperCase()) || isBaseEnvName(name)) return false;
  return isSafeName(name) || allowUnsafe.includes(name);
}
