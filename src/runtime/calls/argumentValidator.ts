import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Logger } from '../../logger.js';
import { ajvRegExpEngine } from '../../regex/linearRegExp.js';
import type { ToolDescriptor } from '../core/types.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

/**
 * Checks merged arguments against a tool's inputSchema. Compiled validators are cached per tool
 * descriptor object; a refetched tools list brings new objects, so the cache follows it.
 * A schema Ajv cannot compile disables checking for that tool (logged once) rather than failing calls.
 */
export class ArgumentValidator {
  // Upstream schemas are untrusted: `pattern` runs in RE2 (linear time), never on a backtracking RegExp.
  private readonly draft7 = new Ajv({
    allErrors: true,
    strict: false,
    verbose: false,
    code: { regExp: ajvRegExpEngine },
  });
  private readonly draft2020 = new Ajv2020({
    allErrors: true,
    strict: false,
    verbose: false,
    code: { regExp: ajvRegExpEngine },
  });
  private readonly cache = new WeakMap<ToolDescriptor, ValidateFunction | null>();

  constructor(private readonly logger: Logger) {
    addFormats(this.draft7);
    addFormats(this.draft2020);
  }

  /** Problems as "<path> <message>" strings; empty when valid. Never includes argument values. */
  check(tool: ToolDescriptor, args: Record<string, unknown>): string[] {
    const validate = this.compiled(tool);
    if (!validate || validate(args)) return [];
    return (validate.errors ?? []).slice(0, 20).map(describe);
  }

  private compiled(tool: ToolDescriptor): ValidateFunction | null {
    const hit = this.cache.get(tool);
    if (hit !== undefined) return hit;
    let fn: ValidateFunction | null = null;
    try {
      const schema = tool.inputSchema;
      const is2020 = typeof schema.$schema === 'string' && schema.$schema.includes('2020-12');
      const { $schema: _drop, ...rest } = schema;
      fn = is2020 ? this.draft2020.compile(schema) : this.draft7.compile(rest);
    } catch (e) {
      this.logger.warn('tool inputSchema does not compile; arguments are not checked', {
        tool: tool.name,
        error: e,
      });
    }
    this.cache.set(tool, fn);
    return fn;
  }
}

function describe(error: ErrorObject): string {
  const path = error.instancePath || '(arguments)';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required')
    return `${path} is missing required property "${String(params.missingProperty)}"`;
  if (error.keyword === 'additionalProperties')
    return `${path} has unexpected property "${String(params.additionalProperty)}"`;
  return `${path} ${error.message ?? 'is invalid'}`;
}
