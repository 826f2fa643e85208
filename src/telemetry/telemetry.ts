/**
 * The tracing port the rest of the gateway depends on (http, runtime, the composition root); only
 * src/telemetry/otelTelemetry.ts knows the OpenTelemetry SDK. With OTEL not configured the gateway
 * runs on `noTelemetry`, whose every method is a cheap pass-through.
 */
export type SpanKind = 'internal' | 'server' | 'client';

/** Attribute values: names, codes, counts. Never a secret, an argument value or a token. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** W3C trace context as text: `traceparent`, `tracestate`, `baggage` (HTTP headers or MCP `_meta`). */
export type TraceCarrier = Record<string, string>;

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: SpanAttributes;
  /** Continue this incoming context instead of the current span (an HTTP request, an MCP `_meta`). */
  readonly parent?: TraceCarrier;
}

export interface SpanHandle {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed; `errorType` is a low-cardinality code (`error.type`), never a message. */
  fail(errorType: string): void;
}

/** A span whose end its owner decides (an HTTP request's span ends when the response closes). */
export interface OpenSpan extends SpanHandle {
  /** Runs `fn` with this span as the current one, so spans started inside are its children. */
  run<T>(fn: () => T): T;
  /** The trace id (32 hex digits), or undefined when tracing is off. */
  readonly traceId: string | undefined;
  /** Names it once what it is became known (an HTTP request's route is known after routing). */
  rename(name: string): void;
  end(): void;
}

export interface Telemetry {
  readonly enabled: boolean;
  /**
   * Runs `fn` in a child span of the current one. The span ends when `fn` returns, or when its
   * promise settles; a throw marks it failed with the error's code.
   */
  span<T>(name: string, fn: (span: SpanHandle) => T, options?: SpanOptions): T;
  open(name: string, options?: SpanOptions): OpenSpan;
  /** The current span's context as a W3C carrier, for an upstream request (empty when off). */
  inject(): TraceCarrier;
  /** The current trace's id (32 hex digits), or undefined when off or outside any span. */
  traceId(): string | undefined;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

const NO_SPAN: OpenSpan = {
  setAttributes: () => undefined,
  fail: () => undefined,
  run: (fn) => fn(),
  traceId: undefined,
  rename: () => undefined,
  end: () => undefined,
};

/** Tracing off: nothing is allocated per call. */
export const noTelemetry: Telemetry = {
  enabled: false,
  span: (_name, fn) => fn(NO_SPAN),
  open: () => NO_SPAN,
  inject: () => ({}),
  traceId: () => undefined,
  shutdown: async () => undefined,
};

/** The W3C fields only: whatever else a `_meta` or a header set holds is never read. */
export function traceCarrierOf(source: unknown): TraceCarrier | undefined {
  if (!source || typeof source !== 'object') return undefined;
  const record = source as Record<string, unknown>;
  const out: TraceCarrier = {};
  for (const key of ['traceparent', 'tracestate', 'baggage']) {
    const value = record[key];
    if (typeof value === 'string' && value.length <= 8192) out[key] = value;
  }
  return out.traceparent === undefined ? undefined : out;
}
