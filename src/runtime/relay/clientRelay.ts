/**
 * What the /mcp client that made a tool call offers to the upstream serving it: the server→client
 * requests it can answer (elicitation, sampling, roots) and the log messages it may see. One per
 * call, so whatever an upstream asks or says during that call reaches that client and no other.
 */
export type RelayedMethod = 'elicitation/create' | 'sampling/createMessage' | 'roots/list';

export const RELAYED_METHODS: readonly RelayedMethod[] = [
  'elicitation/create',
  'sampling/createMessage',
  'roots/list',
];

/** The client capability each relayed request needs (the same names in both eras). */
export const CAPABILITY_OF: Readonly<Record<RelayedMethod, 'elicitation' | 'sampling' | 'roots'>> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

export type JsonRecord = Record<string, unknown>;

export interface LogMessage {
  readonly level: string;
  readonly logger?: string | undefined;
  readonly data: unknown;
}

export interface ClientRelay {
  /**
   * Who is asking: a legacy session, or one 2026-07-28 request (prefixed with the user). Calls
   * with the same owner reach the same client, so a request that cannot be told apart by stream
   * may still be routed when every call in flight on the connection has this owner.
   */
  readonly owner: string;
  /** `legacy`: the client takes server→client requests; `modern`: it takes input_required results. */
  readonly era: 'legacy' | 'modern';
  /** The client declared the capability this request needs. */
  supports(method: RelayedMethod): boolean;
  /** Sends the request to the client (legacy era only) and resolves with its answer. */
  request(method: RelayedMethod, params: JsonRecord, signal: AbortSignal): Promise<JsonRecord>;
  /** A log message from the upstream, filtered by the client's level (setLevel or per-request). */
  log(message: LogMessage): void;
  /** 2026-07-28 retries: what the client sent back with this call (passed upstream verbatim). */
  readonly retry?: { readonly inputResponses?: JsonRecord; readonly requestState?: string } | undefined;
}

/**
 * What every upstream connection is told the gateway can do as a client: exactly what is relayed
 * to /mcp clients (a call from a client without the capability gets a clean refusal upstream).
 * Task-augmented elicitation and sampling are run by the gateway itself (ClientTasks).
 */
export const RELAYED_CAPABILITIES = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  // No listChanged: roots are each client's own, and a shared upstream connection cannot follow them.
  roots: {},
  tasks: { list: {}, cancel: {}, requests: { elicitation: { create: {} }, sampling: { createMessage: {} } } },
} as const;
