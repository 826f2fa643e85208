import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { ProgressUpdate, ToolResult } from '../core/types.js';
import {
  CAPABILITY_OF,
  type ClientRelay,
  type JsonRecord,
  type LogMessage,
  type RelayedMethod,
} from './clientRelay.js';

/** A client that takes long to answer while the upstream streams progress: memory stays bounded. */
const MAX_BACKLOG = 1_000;

/** The request of the 2026-07-28 client currently carrying the call (the first one, then each retry). */
export interface Leg {
  readonly signal: AbortSignal;
  progress(update: ProgressUpdate): void;
  log(message: LogMessage): void;
}

export type Outcome =
  | { readonly kind: 'result'; readonly result: ToolResult }
  | {
      readonly kind: 'input';
      readonly key: string;
      readonly method: RelayedMethod;
      readonly params: JsonRecord;
    };

interface Question {
  readonly key: string;
  readonly method: RelayedMethod;
  readonly params: JsonRecord;
  readonly answer: (response: JsonRecord) => void;
  readonly refuse: (error: Error) => void;
}

/**
 * One upstream tool call made for a 2026-07-28 client, across its input_required rounds. What
 * the upstream asks as a server→client request (a legacy upstream) becomes the next round's
 * embedded input request; what the client answers on its retry goes back as the answer. Progress
 * and log messages go to whichever request of the client carries the call at the time.
 */
export class Flight implements ClientRelay {
  readonly era = 'modern';
  private readonly abort = new AbortController();
  private leg: Leg | undefined;
  private unbind: (() => void) | undefined;
  private pending: Question | undefined;
  private waiter: ((outcome: Outcome) => void) | undefined;
  private settled: Outcome | undefined;
  private failure: { readonly error: unknown } | undefined;
  private rounds = 0;
  /** What the upstream sent while no request of the client carried the call (between two rounds). */
  private backlog: Array<(leg: Leg) => void> = [];
  private dropped = 0;

  constructor(
    readonly owner: string,
    private readonly capabilities: JsonRecord,
    readonly retry: ClientRelay['retry'],
  ) {}

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Starts the upstream call; its end is the flight's last outcome. */
  start(call: Promise<ToolResult>): void {
    call.then(
      (result) => this.settle({ kind: 'result', result }),
      (error: unknown) => {
        this.failure = { error };
        this.settle({ kind: 'result', result: {} });
      },
    );
  }

  /** A request of the client carries the call from now on; its cancellation cancels the call. */
  bind(leg: Leg): void {
    this.leg = leg;
    const onAbort = (): void => this.cancel('the client cancelled the request');
    leg.signal.addEventListener('abort', onAbort, { once: true });
    this.unbind = () => leg.signal.removeEventListener('abort', onAbort);
    // Progress and log messages sent while the client was answering arrive first, in order, on its retry.
    const held = this.backlog;
    this.backlog = [];
    if (this.dropped > 0)
      leg.log({ level: 'warning', data: `${this.dropped} messages were dropped between rounds` });
    this.dropped = 0;
    for (const deliver of held) deliver(leg);
  }

  /** The answer the client's retry brought for the question asked in the previous round. */
  answer(responses: JsonRecord | undefined): void {
    const question = this.pending;
    this.pending = undefined;
    if (!question) return;
    const response = responses?.[question.key];
    if (response && typeof response === 'object') question.answer(response as JsonRecord);
    else question.refuse(new ProtocolError(ProtocolErrorCode.InvalidParams, 'The client sent no answer'));
  }

  /** The next thing to tell the client: the result, or a question. Unbinds the current request. */
  async next(): Promise<Outcome> {
    const outcome =
      this.settled ??
      (this.pending && toOutcome(this.pending)) ??
      (await new Promise<Outcome>((resolve) => (this.waiter = resolve)));
    this.waiter = undefined;
    this.unbind?.();
    this.leg = undefined;
    if (this.failure) throw this.failure.error;
    return outcome;
  }

  cancel(reason: string): void {
    this.pending?.refuse(new ProtocolError(ProtocolErrorCode.InternalError, reason));
    this.pending = undefined;
    this.abort.abort(new Error(reason));
  }

  supports(method: RelayedMethod): boolean {
    return this.capabilities[CAPABILITY_OF[method]] !== undefined;
  }

  request(method: RelayedMethod, params: JsonRecord, signal: AbortSignal): Promise<JsonRecord> {
    if (this.pending || this.settled)
      return Promise.reject(new ProtocolError(ProtocolErrorCode.InvalidRequest, 'One question at a time'));
    return new Promise<JsonRecord>((answer, refuse) => {
      const question: Question = { key: `q${++this.rounds}`, method, params, answer, refuse };
      this.pending = question;
      // The upstream withdrew the question: the call goes on; the client's answer will be ignored.
      signal.addEventListener('abort', () => {
        if (this.pending === question) this.pending = undefined;
        refuse(new Error('withdrawn'));
      });
      this.waiter?.(toOutcome(question));
    });
  }

  progress(update: ProgressUpdate): void {
    if (this.leg) this.leg.progress(update);
    else this.hold((leg) => leg.progress(update));
  }

  log(message: LogMessage): void {
    if (this.leg) this.leg.log(message);
    else this.hold((leg) => leg.log(message));
  }

  private hold(deliver: (leg: Leg) => void): void {
    if (this.settled) return; // the call is over: nothing will carry it
    if (this.backlog.length < MAX_BACKLOG) this.backlog.push(deliver);
    else this.dropped += 1;
  }

  private settle(outcome: Outcome): void {
    this.settled = outcome;
    this.waiter?.(outcome);
  }
}

const toOutcome = (q: Question): Outcome => ({
  kind: 'input',
  key: q.key,
  method: q.method,
  params: q.params,
});
