import { hkdfSync } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from './config.js';
import { loadOrCreateAdminToken } from './crypto/adminTokenFile.js';
import { fileDataKeyStore } from './crypto/fileDataKeyStore.js';
import { loadOrCreateKeyFile } from './crypto/keyFile.js';
import { checkKeys, parseKeyList, type KeyMaterial } from './crypto/keyring.js';
import { deriveKey } from './crypto/secretBox.js';
import { openUserSecretBox, type UserSecretBox } from './crypto/userSecretBox.js';
import type { EventStore } from './events/eventStore.js';
import { openFileEventStore } from './events/fileEventStore.js';
import { originPolicy } from './http/originGuard.js';
import type { SecurityOptions } from './http/securityOptions.js';
import type { Logger } from './logger.js';

/**
 * The adapters both entry points (the server in main.ts and the mcp-api CLI) build from a Config:
 * the configured event store and the secret box. Only entry points call this.
 */
export async function openSecretBox(config: Config, logger: Logger): Promise<UserSecretBox> {
  return (await openCrypto(config, logger)).secretBox;
}

/** The secret box (per-user data keys under DATA_DIR/keys, wrapped by the master keys) and the login-link key. */
export async function openCrypto(config: Config, logger: Logger): Promise<{ secretBox: UserSecretBox; linkKey: Buffer }> {
  const keys = await keyMaterial(config, logger);
  checkKeys(keys);
  const masterKeys = new Map(keys.map((k) => [k.version, deriveKey(k.material, k.version)]));
  const store = fileDataKeyStore(join(config.DATA_DIR, 'keys'));
  const secretBox = await openUserSecretBox({ masterKeys, store, logger: logger.child({ component: 'data-keys' }) });
  const newest = masterKeys.get(secretBox.currentVersion) as Buffer;
  const linkKey = Buffer.from(hkdfSync('sha256', newest, 'mcp-api', 'login-links', 32));
  return { secretBox, linkKey };
}

export async function openEventStore(config: Config, logger: Logger): Promise<EventStore> {
  return openFileEventStore({ dir: join(config.DATA_DIR, 'events'), logger: logger.child({ component: 'event-store' }) });
}

/** Authentication and limits from the config; generates the admin token file when ADMIN_TOKEN is unset. */
export async function securityOptions(config: Config, logger: Logger, linkKey: Buffer): Promise<SecurityOptions> {
  let adminToken = config.ADMIN_TOKEN;
  if (config.AUTH === 'none') {
    logger.warn('AUTH=none: authentication is OFF; anyone who can reach the gateway acts as admin for every user', { host: config.HOST });
    adminToken = undefined;
  } else if (adminToken === undefined) {
    adminToken = await loadOrCreateAdminToken(config.DATA_DIR, logger);
  }
  return {
    auth: { mode: config.AUTH, ...(adminToken === undefined ? {} : { adminToken }) },
    origins: originPolicy(config.HOST, config.ALLOWED_HOSTS, config.ALLOWED_ORIGINS),
    limits: {
      maxSecretsPerUser: config.MAX_SECRETS_PER_USER,
      maxSecretValueBytes: config.MAX_SECRET_VALUE_BYTES,
      toolCallsPerMinute: config.TOOL_CALLS_PER_MINUTE,
      toolCallBurst: config.TOOL_CALL_BURST,
    },
    google: { loginTtlMs: config.GOOGLE_LOGIN_TTL_MS, ...(config.GOOGLE_OAUTH_CREDENTIALS ? { credentials: config.GOOGLE_OAUTH_CREDENTIALS } : {}) },
    ...(config.PUBLIC_URL === undefined ? {} : { publicUrl: config.PUBLIC_URL }),
    linkKey,
  };
}

async function keyMaterial(config: Config, logger: Logger): Promise<KeyMaterial[]> {
  if (config.SECRETS_KEYS) return parseKeyList(config.SECRETS_KEYS);
  if (config.SECRETS_KEY !== undefined) return [{ version: 1, material: config.SECRETS_KEY }];
  return [{ version: 1, material: await loadOrCreateKeyFile(config.DATA_DIR, logger) }];
}
