/** `error.type` of a failure: the gateway error's code, else the exception's class name. Never its message. */
export function errorTypeOf(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[a-z_]{1,64}$/.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && /^[A-Za-z]{1,64}$/.test(name)) return name;
  }
  return '_OTHER';
}
