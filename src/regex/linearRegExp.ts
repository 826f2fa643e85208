import { RE2JS } from 're2js';

/**
 * Regular expressions on untrusted input run in RE2 (re2js, pure JavaScript): matching time is
 * linear in the input whatever the pattern, so a pattern with nested quantifiers cannot stall the
 * event loop (a backtracking RegExp on `(a+)+$` takes seconds for 33 characters). RE2 has no
 * lookaround or backreferences; compiling such a pattern throws.
 */
export interface LinearRegExp {
  readonly source: string;
  test(input: string): boolean;
  /**
   * Like RegExp#exec without `index`: [whole match, ...groups] (undefined for a group that did not take part),
   * or null.
   */
  exec(input: string): Array<string | undefined> | null;
}

const FLAG_BITS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  u: 0,
  g: 0,
  y: 0,
};

export function linearRegExp(source: string, flags = ''): LinearRegExp {
  let bits = 0;
  for (const f of flags) {
    const bit = FLAG_BITS[f];
    if (bit === undefined) throw new SyntaxError(`Unsupported regular expression flag "${f}"`);
    bits |= bit;
  }
  const re = RE2JS.compile(source, bits);
  const groups = re.groupCount();
  return {
    source,
    test: (input) => re.matcher(input).find(),
    exec(input) {
      const m = re.matcher(input);
      if (!m.find()) return null;
      const out: Array<string | undefined> = [];
      for (let i = 0; i <= groups; i++) out.push(m.group(i) ?? undefined);
      return out;
    },
  };
}

/** Ajv's `code.regExp` option: `pattern` and `patternProperties` of untrusted tool schemas compile to RE2. */
export const ajvRegExpEngine = Object.assign((source: string, flags: string) => linearRegExp(source, flags), {
  code: 'linearRegExp',
});
