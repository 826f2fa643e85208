/**
 * An OAuth `state` the gateway issued for one sign-in (Google login, connecting an upstream account):
 * started once, completed once, and only before it expires.
 */
export type OneTimeState =
  { readonly phase: 'none' } | { readonly phase: 'started' | 'completed'; readonly expiresAt: string };

/**
 * Throws `refuse(why)` unless `state` may be completed at `now` (ISO-8601, from command metadata); after it,
 * the state is known to be the started one.
 */
export function assertUsable<S extends OneTimeState>(
  state: S,
  now: string,
  refuse: (why: string) => Error,
): asserts state is Exclude<S, { readonly phase: 'none' }> & { readonly phase: 'started' } {
  if (state.phase === 'none') throw refuse('unknown state');
  if (state.phase === 'completed') throw refuse('this state was already used');
  if (Date.parse(now) > Date.parse(state.expiresAt)) throw refuse('this state has expired');
}
