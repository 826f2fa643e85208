import { openStorage, type Storage, type StorageOptions } from '../bootstrap.js';
import type { CliContext } from './cliCommand.js';

/** Opens the configured storage for one command and always closes it. */
export async function withStorage<T>(context: CliContext, options: StorageOptions, run: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage(context.config, context.logger, options);
  try {
    return await run(storage);
  } finally {
    await storage.close();
  }
}

export const ndjson = (value: unknown): string => JSON.stringify(value);

/** Back-pressure for long outputs: waits while stdout's buffer is full. */
export async function drained(): Promise<void> {
  if (process.stdout.writableNeedDrain) await new Promise((resolve) => process.stdout.once('drain', resolve));
}
