import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind as OtelSpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { errorTypeOf } from './errorType.js';
import type {
  OpenSpan,
  SpanAttributes,
  SpanHandle,
  SpanOptions,
  Telemetry,
  TraceCarrier,
} from './telemetry.js';

export interface OtelSettings {
  readonly serviceName: string;
  readonly resourceAttributes: Record<string, string>;
  /** OTLP/HTTP traces endpoint (JSON protocol), e.g. http://collector:4318/v1/traces. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly sampler: Sampler;
  readonly scheduledDelayMs: number;
  /** Tests may hand in another exporter; by default OTLP/HTTP JSON to `url`. */
  readonly exporter?: SpanExporter;
}

const KINDS = {
  internal: OtelSpanKind.INTERNAL,
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
} as const;

/**
 * Tracing on the OpenTelemetry SDK without touching its globals: this gateway's own provider, its
 * own propagator and its own async context, so several gateways (tests) never share spans.
 */
export function createOtelTelemetry(settings: OtelSettings): Telemetry {
  const exporter =
    settings.exporter ?? new OTLPTraceExporter({ url: settings.url, headers: settings.headers });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...settings.resourceAttributes,
      [ATTR_SERVICE_NAME]: settings.serviceName,
    }),
    sampler: settings.sampler,
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: settings.scheduledDelayMs })],
  });
  const tracer = provider.getTracer('mcp-api');
  const propagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
  const current = new AsyncLocalStorage<Context>();
  const active = (): Context => current.getStore() ?? ROOT_CONTEXT;

  const start = (name: string, options: SpanOptions): { span: Span; context: Context } => {
    const parent = options.parent
      ? propagator.extract(active(), options.parent, defaultTextMapGetter)
      : active();
    const span = tracer.startSpan(
      name,
      { kind: KINDS[options.kind ?? 'internal'], attributes: clean(options.attributes) },
      parent,
    );
    return { span, context: trace.setSpan(parent, span) };
  };
  const handle = (span: Span): SpanHandle => ({
    setAttributes: (attributes) => void span.setAttributes(clean(attributes)),
    fail: (errorType) => {
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    },
  });

  return {
    enabled: true,
    span(name, fn, options = {}) {
      const { span, context } = start(name, options);
      const h = handle(span);
      const failed = (error: unknown): never => {
        h.fail(errorTypeOf(error));
        span.end();
        throw error;
      };
      let result;
      try {
        result = current.run(context, () => fn(h));
      } catch (error) {
        return failed(error);
      }
      if (result instanceof Promise) {
        return result.then((value: unknown) => {
          span.end();
          return value;
        }, failed) as typeof result;
      }
      span.end();
      return result;
    },
    open(name, options = {}): OpenSpan {
      const { span, context } = start(name, options);
      return {
        ...handle(span),
        run: (fn) => current.run(context, fn),
        traceId: span.spanContext().traceId,
        rename: (n) => void span.updateName(n),
        end: () => span.end(),
      };
    },
    inject() {
      const carrier: TraceCarrier = {};
      propagator.inject(active(), carrier, defaultTextMapSetter);
      return carrier;
    },
    traceId: () => trace.getSpanContext(active())?.traceId,
    shutdown: () => provider.shutdown(),
  };
}

function clean(attributes: SpanAttributes | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes ?? {})) if (value !== undefined) out[key] = value;
  return out;
}
