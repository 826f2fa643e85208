import type { ServerView } from '../projections/serversProjection.js';
import type { PerUserProcesses, ServerSnapshot } from '../runtime/core/types.js';
import { viewHeaders, viewUrl } from './remoteHeaders.js';

/** Shown instead of env values whose names say they are credentials. Sent back on PUT, it keeps the stored value. */
import { REDACTED } from './redacted.js';
const SENSITIVE_ENV =
  /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)$/i;

export const isSensitiveEnvName = (name: string): boolean => SENSITIVE_ENV.test(name);

export function redactEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isSensitiveEnvName(k) ? REDACTED : v]));
}

const NOT_RUNNING: ServerSnapshot = { status: 'disconnected', toolsList: [], logs: [], restarts: 0 };

/**
 * Transport fields of the reference README's server object; credentials redacted. A user token
 * (`forAdmin: false`) sees no env or header value at all: those are the operator's setup.
 */
function transportFields(view: ServerView, live: ServerSnapshot, forAdmin: boolean): Record<string, unknown> {
  const t = view.config.transport;
  const hideAll = (values: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.keys(values).map((k) => [k, REDACTED]));
  if (t.transportType === 'stdio') {
    const env = forAdmin ? redactEnv(t.env) : hideAll(t.env);
    return {
      transportType: t.transportType,
      command: t.command,
      args: t.args,
      env,
      ...(t.cwd === undefined ? {} : { cwd: t.cwd }),
    };
  }
  const remote = live.remote;
  const headers = viewHeaders(t);
  return {
    transportType: t.transportType,
    url: viewUrl(t.url),
    headers: forAdmin ? headers : hideAll(headers),
    ...(t.reconnectionOptions === undefined ? {} : { reconnectionOptions: t.reconnectionOptions }),
    // The id itself is a bearer of the session: shown as present, never in clear.
    ...(remote?.hasSession ? { sessionId: REDACTED } : {}),
    ...(remote?.activeTransport === undefined ? {} : { activeTransport: remote.activeTransport }),
    ...(remote && remote.userConnections > 0 ? { userConnections: remote.userConnections } : {}),
  };
}

/**
 * The reference README's server object, plus our extra fields (secretNames, timeouts, statusMessage).
 * `forAdmin: false` (a user token) hides what other users' activity or the operator's setup can
 * leave there: every env and header value, the stderr log lines and the process id.
 */
export function serverResponse(
  view: ServerView,
  snapshot: ServerSnapshot | undefined,
  forAdmin = true,
): Record<string, unknown> {
  const base = view.enabled ? (snapshot ?? NOT_RUNNING) : { ...NOT_RUNNING, logs: snapshot?.logs ?? [] };
  const { pid: _pid, ...withoutPid } = base;
  const live: ServerSnapshot = forAdmin ? base : { ...withoutPid, logs: [] };
  return {
    name: view.name,
    ...transportFields(view, live, forAdmin),
    status: live.status,
    ...(live.statusMessage === undefined ? {} : { statusMessage: live.statusMessage }),
    enabled: view.enabled,
    ...(view.config.secretNames === undefined ? {} : { secretNames: view.config.secretNames }),
    timeout: view.config.timeout,
    startupTimeout: view.config.startupTimeout,
    secretDelivery: view.config.secretDelivery ?? 'args',
    toolApproval: view.config.toolApproval ?? 'manual',
    // Host paths and limits are the operator's setup: admins only, like env values.
    ...(forAdmin && view.config.sandbox ? { sandbox: view.config.sandbox } : {}),
    ...(forAdmin && view.config.allowUnsafeEnvNames
      ? { allowUnsafeEnvNames: view.config.allowUnsafeEnvNames }
      : {}),
    ...(view.enabled && snapshot?.processes
      ? { perUserProcesses: perUserView(snapshot.processes, forAdmin) }
      : {}),
    toolsList: live.toolsList,
    logs: live.logs,
    restarts: live.restarts,
    ...(live.pid === undefined ? {} : { pid: live.pid }),
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}

/** Per-user processes never show usernames or environments; a user token sees no pids or activity times either. */
function perUserView(processes: PerUserProcesses, forAdmin: boolean): Record<string, unknown> {
  if (forAdmin) return { ...processes };
  return { ...processes, states: processes.states.map((p) => ({ status: p.status, restarts: p.restarts })) };
}
