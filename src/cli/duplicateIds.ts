import { createHash } from 'node:crypto';

/**
 * Finds event ids that occur twice in a log of millions without a Set of every id: each id is kept
 * as a 52-bit hash in a typed array (8 bytes an event), sorted at the end; only hashes seen twice
 * are confirmed against the real ids in a second pass.
 */
export class DuplicateIdCheck {
  private hashes = new Float64Array(1024);
  private count = 0;

  add(id: string): void {
    if (this.count === this.hashes.length) {
      const grown = new Float64Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.count++] = hash52(id);
  }

  /** Hashes that occur more than once: the ids to confirm. */
  candidates(): Set<number> {
    const sorted = this.hashes.subarray(0, this.count).sort();
    const twice = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) twice.add(sorted[i] as number);
    this.hashes = new Float64Array(0);
    return twice;
  }
}

export function hash52(id: string): number {
  const digest = createHash('md5').update(id).digest();
  return digest.readUIntBE(0, 6) * 16 + (digest[6] as number) / 16;
}
