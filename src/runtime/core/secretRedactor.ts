/**
 * Remembers secret values recently injected into a server's calls so its stderr lines can be
 * scrubbed before they reach logs or GET responses: a server that prints its arguments must not
 * leak a user's token to everyone who can list servers. Values are kept per user, each user's set
 * bounded on its own: one user remembering many values (many secrets, many calls) only ever pushes
 * out that user's own older values, never another user's. Values shorter than 4 chars are not
 * scrubbed (they would mangle ordinary text and are not worth protecting this way).
 */
export class SecretRedactor {
  private readonly users = new Map<string, Map<string, true>>();
  /** Longest first: scrubbing a short value inside a longer one first would leave the rest of it showing. */
  private ordered: string[] | undefined;

  /** `limit`: values kept per user (the oldest is forgotten first). */
  constructor(private readonly limit = 256) {}

  remember(username: string, values: Iterable<string>): void {
    let own = this.users.get(username);
    for (const v of values) {
      if (v.length < 4) continue;
      if (!own) this.users.set(username, (own = new Map()));
      this.ordered = undefined;
      own.delete(v);
      own.set(v, true);
      if (own.size > this.limit) own.delete(own.keys().next().value as string);
    }
  }

  /** What this user's calls were given recently (to scrub their upstream errors). */
  valuesOf(username: string): string[] {
    return [...(this.users.get(username)?.keys() ?? [])];
  }

  redact = (line: string): string => {
    this.ordered ??= [...new Set([...this.users.values()].flatMap((own) => [...own.keys()]))].sort(
      (a, b) => b.length - a.length,
    );
    let out = line;
    for (const v of this.ordered) if (out.includes(v)) out = out.split(v).join('[redacted]');
    return out;
  };
}
