/**
 * Remembers secret values recently injected into a server's calls so its stderr lines can be
 * scrubbed before they reach logs or GET responses: a server that prints its arguments must not
 * leak a user's token to everyone who can list servers. Bounded; values shorter than 4 chars are
 * not scrubbed (they would mangle ordinary text and are not worth protecting this way).
 */
export class SecretRedactor {
  private readonly values = new Map<string, true>();
  /** Longest first: scrubbing a short value inside a longer one first would leave the rest of it showing. */
  private ordered: string[] | undefined;

  constructor(private readonly limit = 256) {}

  remember(values: Iterable<string>): void {
    this.ordered = undefined;
    for (const v of values) {
      if (v.length < 4) continue;
      this.values.delete(v);
      this.values.set(v, true);
      if (this.values.size > this.limit) this.values.delete(this.values.keys().next().value as string);
    }
  }

  redact = (line: string): string => {
    this.ordered ??= [...this.values.keys()].sort((a, b) => b.length - a.length);
    let out = line;
    for (const v of this.ordered) if (out.includes(v)) out = out.split(v).join('[redacted]');
    return out;
  };
}
