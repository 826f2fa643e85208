import { Client, type RequestOptions, type StandardSchemaV1 } from '@modelcontextprotocol/client';

type JsonRecord = Record<string, unknown>;

/** What this file uses of the SDK's era codec (`WireCodec`, not exported). */
interface EraCodec {
  readonly era: string;
  validateResult(
    method: string,
    raw: unknown,
  ): { ok: true; value: unknown } | { ok: false; reason: string; message?: string };
}

/**
 * The SDK client with one change on the hot path: `specRequest` validates a spec method's result with the
 * negotiated era's own codec, exactly as `request()` without a schema does, but builds that validator once
 * per era and method. `request()` without a schema re-derives it on every call (`codecResultValidator`
 * in @modelcontextprotocol/client 2.4.0), and its "is this method in the era?" probe validates `undefined`
 * and formats the zod error into a string: 5-6% of a REST tool call's CPU (docs/performance.md). Remove
 * once the SDK caches or probes with `hasResultMethod`.
 */
export class GatewayClient extends Client {
  private readonly validators = new Map<string, StandardSchemaV1<unknown, JsonRecord> | null>();

  specRequest(
    request: { method: string; params?: JsonRecord },
    options?: RequestOptions,
  ): Promise<JsonRecord> {
    const validator = this.resultValidator(request.method);
    if (validator) return this.request(request, validator, options);
    // Not negotiated yet, or not a spec method of this era: the SDK's own path decides (and refuses).
    return (this.request as (r: typeof request, o?: RequestOptions) => Promise<JsonRecord>)(request, options);
  }

  private resultValidator(method: string): StandardSchemaV1<unknown, JsonRecord> | null {
    // Before negotiation the SDK pins some methods to a bootstrap era; only after it is the codec final.
    if (this._negotiatedProtocolVersion === undefined) return null;
    // The accessor is protected API of the SDK's role classes; should a later SDK drop it, the SDK's own path runs.
    const accessor = (this as unknown as { _wireCodec?: unknown })._wireCodec;
    if (typeof accessor !== 'function') return null;
    const codec = (accessor as () => unknown).call(this) as EraCodec;
    if (typeof codec?.validateResult !== 'function') return null;
    const key = `${codec.era} ${method}`;
    let validator = this.validators.get(key);
    if (validator === undefined) {
      validator = eraResultValidator(codec, method);
      this.validators.set(key, validator);
    }
    return validator;
  }
}

/** The SDK's `codecResultValidator`, probed once: null when the era has no result entry for the method. */
function eraResultValidator(codec: EraCodec, method: string): StandardSchemaV1<unknown, JsonRecord> | null {
  const probe = codec.validateResult(method, undefined);
  if (!probe.ok && probe.reason === 'not-in-era') return null;
  return {
    '~standard': {
      version: 1,
      vendor: 'mcp-wire-codec',
      validate(value: unknown) {
        const outcome = codec.validateResult(method, value);
        if (outcome.ok) return { value: outcome.value as JsonRecord };
        const message = outcome.reason === 'invalid' ? (outcome.message ?? '') : `not-in-era: ${method}`;
        return { issues: [{ message }] };
      },
    },
  };
}
