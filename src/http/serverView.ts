import type { ServerView } from '../projections/serversProjection.js';
import type { ServerSnapshot } from '../runtime/serverRuntime.js';

/** Shown instead of env values whose names say they are credentials. Sent back on PUT, it keeps the stored value. */
export const REDACTED = '[redacted]';
const SENSITIVE_ENV = /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)$/i;

export const isSensitiveEnvName = (name: string): boolean => SENSITIVE_ENV.test(name);

export function redactEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isSensitiveEnvName(k) ? REDACTED : v]));
}

const NOT_RUNNING: ServerSnapshot = { status: 'disconnected', toolsList: [], logs: [], restarts: 0 };

/**
 * The reference README's server object, plus our extra fields (secretNames, timeouts, statusMessage).
 * `forAdmin: false` (a user token) hides what other users' activity or the operator's setup can
 * leave there: every env value, the stderr log lines and the process id.
 */
export function serverResponse(view: ServerView, snapshot: ServerSnapshot | undefined, forAdmin = true): Record<string, unknown> {
  const base = view.enabled ? (snapshot ?? NOT_RUNNING) : { ...NOT_RUNNING, logs: snapshot?.logs ?? [] };
  const { pid: _pid, ...withoutPid } = base;
  const live = forAdmin ? base : { ...withoutPid, logs: [] };
  const t = view.config.transport;
  return {
    name: view.name,
    transportType: t.transportType,
    command: t.command,
    args: t.args,
    env: forAdmin ? redactEnv(t.env) : Object.fromEntries(Object.keys(t.env).map((k) => [k, REDACTED])),
    ...(t.cwd === undefined ? {} : { cwd: t.cwd }),
    status: live.status,
    ...(live.statusMessage === undefined ? {} : { statusMessage: live.statusMessage }),
    enabled: view.enabled,
    ...(view.config.secretNames === undefined ? {} : { secretNames: view.config.secretNames }),
    timeout: view.config.timeout,
    startupTimeout: view.config.startupTimeout,
    toolsList: live.toolsList,
    logs: live.logs,
    restarts: live.restarts,
    ...(live.pid === undefined ? {} : { pid: live.pid }),
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}
