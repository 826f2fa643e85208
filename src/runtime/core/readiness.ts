import type { EventStore } from '../../events/eventStore.js';
import type { Projector } from '../../projections/projector.js';
import type { ServerPool } from './serverPool.js';

export interface ReadinessCheck {
  readonly ok: boolean;
  readonly detail: string;
}
export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: { store: ReadinessCheck; projections: ReadinessCheck; supervisors: ReadinessCheck };
}

const STORE_TIMEOUT_MS = 1000;

/**
 * Ready = the store answers and can be written, the read models have caught up with it, and every enabled server has
 * a supervisor. A server in `error` still has one (it is supervised, just broken), so one bad server
 * does not take the whole gateway out of a load balancer.
 */
export async function checkReadiness(
  store: EventStore,
  projector: Projector,
  pool: ServerPool,
): Promise<ReadinessReport> {
  let head: number | undefined;
  let storeCheck: ReadinessCheck;
  try {
    head = await Promise.race([
      store.headPosition(),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`no answer within ${STORE_TIMEOUT_MS} ms`)),
          STORE_TIMEOUT_MS,
        ).unref(),
      ),
    ]);
    const health = store.health?.();
    storeCheck =
      health?.writable === false
        ? { ok: false, detail: `not writable: ${health.detail}` }
        : { ok: true, detail: `head position ${head}` };
  } catch (e) {
    storeCheck = { ok: false, detail: `store unreachable: ${e instanceof Error ? e.message : String(e)}` };
  }
  const lag = head === undefined ? undefined : head - projector.checkpoint;
  const projections: ReadinessCheck =
    lag === undefined
      ? { ok: false, detail: 'unknown (store unreachable)' }
      : { ok: lag <= 0, detail: lag <= 0 ? `caught up at ${projector.checkpoint}` : `${lag} events behind` };
  const enabled = [...projector.readModels.servers.values()].filter((s) => s.enabled).map((s) => s.name);
  const missing = enabled.filter((name) => pool.snapshot(name) === undefined);
  const supervisors: ReadinessCheck = {
    ok: missing.length === 0,
    detail:
      missing.length === 0 ? `${enabled.length} supervised` : `not yet supervised: ${missing.join(', ')}`,
  };
  return {
    ready: storeCheck.ok && projections.ok && supervisors.ok,
    checks: { store: storeCheck, projections, supervisors },
  };
}
