import { join } from 'node:path';
import type { Config } from './config.js';
import { loadOrCreateKeyFile } from './crypto/keyFile.js';
import { checkKeys, parseKeyList, type KeyMaterial } from './crypto/keyring.js';
import { createSecretBox, deriveKey, type SecretBox } from './crypto/secretBox.js';
import type { EventStore } from './events/eventStore.js';
import { openFileEventStore } from './events/fileEventStore.js';
import type { Logger } from './logger.js';

/**
 * The adapters both entry points (the server in main.ts and the mcp-api CLI) build from a Config:
 * the configured event store and the secret box. Only entry points call this.
 */
export async function openSecretBox(config: Config, logger: Logger): Promise<SecretBox> {
  const keys = await keyMaterial(config, logger);
  checkKeys(keys);
  return createSecretBox(new Map(keys.map((k) => [k.version, deriveKey(k.material, k.version)])));
}

export async function openEventStore(config: Config, logger: Logger): Promise<EventStore> {
  return openFileEventStore({ dir: join(config.DATA_DIR, 'events'), logger: logger.child({ component: 'event-store' }) });
}

async function keyMaterial(config: Config, logger: Logger): Promise<KeyMaterial[]> {
  if (config.SECRETS_KEYS) return parseKeyList(config.SECRETS_KEYS);
  if (config.SECRETS_KEY !== undefined) return [{ version: 1, material: config.SECRETS_KEY }];
  return [{ version: 1, material: await loadOrCreateKeyFile(config.DATA_DIR, logger) }];
}
