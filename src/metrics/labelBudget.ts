/**
 * Bounds a label's values: the first `max` distinct values keep their own label, every later one
 * is reported as `other`. First come rather than top-N by traffic, so a series never changes its
 * label once it exists (a re-ranked top-N would make counters jump between series).
 */
export class LabelBudget {
  private readonly admitted = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly overflow = 'other',
  ) {}

  label(value: string): string {
    if (this.admitted.has(value)) return value;
    if (this.admitted.size >= this.max) return this.overflow;
    this.admitted.add(value);
    return value;
  }
}
