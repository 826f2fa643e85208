import { openSecretBox, openStorage, type Storage, type StorageOptions } from '../bootstrap.js';
import type { UserSecretBox } from '../crypto/userSecretBox.js';
import type { CliContext } from './cliCommand.js';

/** Opens the configured storage for one command and always closes it. */
export async function withStorage<T>(
  context: CliContext,
  options: StorageOptions,
  run: (storage: Storage) => Promise<T>,
): Promise<T> {
  const storage = await openStorage(context.config, context.logger, options);
  try {
    return await run(storage);
  } finally {
    await storage.close();
  }
}

/** Storage plus the secret box over its data-key store, for commands that read or rewrite secrets. */
export async function withSecrets<T>(
  context: CliContext,
  run: (storage: Storage, box: UserSecretBox) => Promise<T>,
): Promise<T> {
  return withStorage(context, {}, async (storage) =>
    run(storage, await openSecretBox(context.config, context.logger, storage.dataKeys)),
  );
}

export const ndjson = (value: unknown): string => JSON.stringify(value);

/** Back-pressure for long outputs: waits while stdout's buffer is full. */
export async function drained(): Promise<void> {
  if (process.stdout.writableNeedDrain) await new Promise((resolve) => process.stdout.once('drain', resolve));
}
