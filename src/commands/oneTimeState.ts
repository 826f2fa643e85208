/**
 * An OAuth `state` the gateway issued for one sign-in (Google login, connecting an upstream account):
 * started once, completed once, and only before it expires.
 */
export type OneTimeState =
  { readonly phase: 'none' } | { readonly phase: 'started' | 'completed'; readonly expiresAt: string };

/** Why completing `state` at `now` (ISO-8601, from command metadata) is refused; undefined when it may be used. */
export function unusableState(state: OneTimeState, now: string): string | undefined {
  if (state.phase === 'none') return 'unknown state';
  if (state.phase === 'completed') return 'this state was already used';
  if (Date.parse(now) > Date.parse(state.expiresAt)) return 'this state has expired';
  return undefined;
}
