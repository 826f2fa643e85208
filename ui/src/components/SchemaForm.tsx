import type { JsonSchema } from '../types.js';

export type FieldValues = Record<string, string | boolean>;

const kindOf = (schema: JsonSchema): string => {
  const t = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  if (schema.enum) return 'enum';
  return t ?? 'json';
};

/**
 * Turns the form's values into tool arguments by the schema: numbers parsed, booleans as checked,
 * objects and arrays as JSON; empty optional fields left out. Throws on a value that does not parse.
 */
export function argumentsFrom(schema: JsonSchema | undefined, values: FieldValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema?.properties ?? {})) {
    const raw = values[name];
    const kind = kindOf(prop);
    if (kind === 'boolean') {
      if (raw !== undefined) out[name] = raw === true;
      continue;
    }
    if (raw === undefined || raw === '' || raw === false) continue;
    const text = String(raw);
    if (kind === 'number' || kind === 'integer') {
      const n = Number(text);
      if (Number.isNaN(n)) throw new Error(`${name} must be a number`);
      out[name] = n;
    } else if (kind === 'string') out[name] = text;
    else if (kind === 'enum') out[name] = prop.enum?.find((v) => String(v) === text) ?? text;
    else {
      try {
        out[name] = JSON.parse(text) as unknown;
      } catch {
        throw new Error(`${name} must be JSON`);
      }
    }
  }
  return out;
}

/** One labelled input per property of a tool's inputSchema (top level; nested values as JSON). */
export function SchemaForm(props: {
  schema: JsonSchema | undefined;
  idPrefix: string;
  values: FieldValues;
  onChange: (v: FieldValues) => void;
}) {
  const props_ = Object.entries(props.schema?.properties ?? {});
  const required = new Set(props.schema?.required ?? []);
  const set = (name: string, value: string | boolean): void =>
    props.onChange({ ...props.values, [name]: value });
  if (props_.length === 0) return <p>This tool takes no arguments.</p>;
  return (
    <>
      {props_.map(([name, prop]) => {
        const id = `${props.idPrefix}-${name}`;
        const kind = kindOf(prop);
        const label = `${prop.title ?? name}${required.has(name) ? ' (required)' : ''}`;
        const help = prop.description ? <small id={`${id}-help`}>{prop.description}</small> : null;
        const describedBy = prop.description ? `${id}-help` : undefined;
        if (kind === 'boolean') {
          return (
            <div key={name}>
              <label class="check">
                <input
                  id={id}
                  type="checkbox"
                  checked={props.values[name] === true}
                  onChange={(e) => set(name, e.currentTarget.checked)}
                  aria-describedby={describedBy}
                />{' '}
                {label}
              </label>
              {help}
            </div>
          );
        }
        const value = String(props.values[name] ?? '');
        return (
          <div key={name}>
            <label for={id}>{label}</label>
            {kind === 'enum' ? (
              <select
                id={id}
                value={value}
                onChange={(e) => set(name, e.currentTarget.value)}
                aria-describedby={describedBy}
              >
                <option value="">(none)</option>
                {(prop.enum ?? []).map((v) => (
                  <option key={String(v)} value={String(v)}>
                    {String(v)}
                  </option>
                ))}
              </select>
            ) : kind === 'string' ? (
              <input
                id={id}
                type="text"
                required={required.has(name)}
                value={value}
                onInput={(e) => set(name, e.currentTarget.value)}
                aria-describedby={describedBy}
              />
            ) : kind === 'number' || kind === 'integer' ? (
              <input
                id={id}
                type="number"
                step={kind === 'integer' ? 1 : 'any'}
                required={required.has(name)}
                value={value}
                onInput={(e) => set(name, e.currentTarget.value)}
                aria-describedby={describedBy}
              />
            ) : (
              <textarea
                id={id}
                rows={3}
                placeholder="JSON"
                value={value}
                onInput={(e) => set(name, e.currentTarget.value)}
                aria-describedby={describedBy}
              />
            )}
            {help}
          </div>
        );
      })}
    </>
  );
}
