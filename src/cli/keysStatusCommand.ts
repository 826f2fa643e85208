import { withSecrets } from './cliStorage.js';
import type { CliCommand } from './cliCommand.js';
import { foldStore, liveRecords, needsRewrap } from './sealedRecords.js';

/** `mcp-api keys status`: how many live secrets sit on each key version, and how many need a rewrap. */
export const keysStatusCommand: CliCommand = {
  name: ['keys', 'status'],
  summary: 'count live secrets per key version and those still to rewrap',
  async run(context) {
    const { out } = context;
    return withSecrets(context, async (storage, secretBox) => {
      const store = storage.events;
      const records = liveRecords((await foldStore(store)).models);
      const byVersion: Record<string, number> = {};
      for (const r of records) byVersion[r.sealed.keyVersion] = (byVersion[r.sealed.keyVersion] ?? 0) + 1;
      out(
        JSON.stringify({
          currentVersion: secretBox.currentVersion,
          configuredVersions: secretBox.versions,
          records: records.length,
          byKeyVersion: byVersion,
          withoutDataKey: records.filter((r) => r.sealed.dataKeyId === undefined).length,
          remaining: records.filter((r) => needsRewrap(r.sealed, secretBox.currentVersion)).length,
        }),
      );
      return 0;
    });
  },
};
