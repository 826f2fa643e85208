import type { ServerConfig } from '../../events/serverEvents.js';

/** What should run: every enabled server with the generation of its latest (re)start request. */
export interface DesiredServer {
  readonly name: string;
  /** The registration the config belongs to (remote servers key sessions and tokens by it). */
  readonly serverId?: string;
  readonly generation: number;
  readonly config: ServerConfig;
}

/** What runs now, as the supervisor shell reports it. */
export interface RunningServer {
  readonly name: string;
  readonly generation: number;
}

export type SupervisorAction =
  | { readonly kind: 'start'; readonly server: DesiredServer }
  | { readonly kind: 'restart'; readonly server: DesiredServer }
  | { readonly kind: 'stop'; readonly name: string };

/** Pure: the actions that turn `running` into `desired`. Stops come first so a renamed port or file is free. */
export function reconcile(
  desired: readonly DesiredServer[],
  running: readonly RunningServer[],
): SupervisorAction[] {
  const want = new Map(desired.map((d) => [d.name, d]));
  const have = new Map(running.map((r) => [r.name, r]));
  const actions: SupervisorAction[] = [];
  for (const r of running) if (!want.has(r.name)) actions.push({ kind: 'stop', name: r.name });
  for (const d of desired) {
    const r = have.get(d.name);
    if (!r) actions.push({ kind: 'start', server: d });
    else if (r.generation !== d.generation) actions.push({ kind: 'restart', server: d });
  }
  return actions;
}
