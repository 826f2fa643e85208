/** What an adapter can say about its stored log below the port (`mcp-api verify` prints it). */
export interface LogCheck {
  /** False when something is damaged (a torn tail after a crash is not damage). */
  readonly ok: boolean;
  /** Event records whose integrity was checked. */
  readonly records: number;
  readonly problems: string[];
  readonly details: Record<string, number | string | boolean>;
}
