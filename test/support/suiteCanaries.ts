import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A suite-wide canary sweep. Every test gateway reports the secret values and tokens that went
 * through it (secretValue in request bodies, issued tokens, its admin token); when it stops, its
 * log lines, event log and data-key files are searched for them. test/security/suiteCanaries.test.ts
 * asserts, after the whole run, that nothing was ever found. Values are tracked per data
 * directory: a value sent to one gateway can only show up in that gateway's files.
 */
export interface Leak {
  readonly where: string;
  /** The first characters only: the report must not repeat the leak in full. */
  readonly value: string;
}

const MIN_LENGTH = 8;

export class SuiteCanaries {
  private readonly byDir = new Map<string, Set<string>>();
  private readonly global = new Set<string>();
  readonly leaks: Leak[] = [];
  /** How many gateways were swept (so the final check can tell it actually ran). */
  swept = 0;

  /** A value that must never appear in any log or record; with `dataDir`, only that gateway's. */
  add(value: string, dataDir?: string): void {
    if (value.length < MIN_LENGTH) return;
    if (dataDir === undefined) this.global.add(value);
    else this.valuesOf(dataDir).add(value);
  }

  noteRequest(body: unknown, dataDir?: string): void {
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const value = (body as Record<string, unknown>).secretValue;
      if (typeof value === 'string') this.add(value, dataDir);
    }
  }

  async collect(logs: readonly string[], dataDir: string): Promise<void> {
    this.swept += 1;
    const values = [...this.global, ...this.valuesOf(dataDir)];
    const texts: Array<[string, string]> = [[`logs of ${dataDir}`, logs.join('\n')]];
    const eventLog = await readFile(join(dataDir, 'events', 'events.log'), 'utf8').catch(() => '');
    texts.push([`${dataDir}/events/events.log`, eventLog]);
    // The audit trail holds argument names and sizes only: a value found there is a leak too.
    for (const name of await readdir(join(dataDir, 'audit')).catch(() => [] as string[])) {
      texts.push([
        `${dataDir}/audit/${name}`,
        await readFile(join(dataDir, 'audit', name), 'utf8').catch(() => ''),
      ]);
    }
    for (const name of await readdir(join(dataDir, 'keys')).catch(() => [] as string[])) {
      texts.push([
        `${dataDir}/keys/${name}`,
        await readFile(join(dataDir, 'keys', name), 'utf8').catch(() => ''),
      ]);
    }
    for (const [where, text] of texts) {
      for (const value of values)
        if (text.includes(value)) this.leaks.push({ where, value: `${value.slice(0, 6)}…` });
    }
  }

  private valuesOf(dataDir: string): Set<string> {
    let set = this.byDir.get(dataDir);
    if (!set) this.byDir.set(dataDir, (set = new Set()));
    return set;
  }
}

/** The one sweep of this test process (test support, not product code). */
export const suiteCanaries = new SuiteCanaries();
