import { AppError } from '../../errors.js';
import type { ToolSource } from '../../events/toolPinEvents.js';
import type { ReadModels } from '../../projections/readModels.js';
import type { Supervised, SupervisedFactory } from './serverPool.js';
import { NO_TOOLS, type PinRef, type ToolPins } from './toolPins.js';
import type { ServerSnapshot, ToolDescriptor } from './types.js';

const sourceOf = (s: ServerSnapshot): ToolSource =>
  s.toolsSource === 'user_process' ? 'user_process' : 'server';

export function pendingApproval(serverName: string, toolName: string): AppError {
  return new AppError(
    'tool_pending_approval',
    `Tool ${toolName} on server ${serverName} changed or is new since it was pinned and waits for an admin's approval`,
    { serverName, toolName },
  );
}

/**
 * Wraps every supervised server so that whatever reads its tools (REST lists, /mcp in both eras, the
 * per-server endpoint, the call path) gets only the tools the pins admit: below both faces, one place.
 * A per-user server's own processes are a `user_process` source: they never pin on first use and
 * never auto-approve, so one user's process cannot define what the others see.
 */
export function pinnedFactory(
  inner: SupervisedFactory,
  pins: ToolPins,
  readModels: () => ReadModels,
): SupervisedFactory {
  return (server, hooks) => {
    const ref: PinRef = {
      serverId: server.serverId ?? readModels().servers.get(server.name)?.serverId ?? server.name,
      serverName: server.name,
      redact: hooks.redact,
    };
    const userSource: ToolSource = server.config.secretDelivery === 'env' ? 'user_process' : 'server';
    /** Each user's last own list (per-user process or connection), to tell "held" from "absent". */
    const userLists = new Map<string, readonly ToolDescriptor[]>();
    // Filled right after construction; a change reported during construction finds it empty and only forwards.
    const built: { server?: Supervised } = {};
    const target = inner(server, {
      ...hooks,
      // A changed list (list_changed, restart, a user's process) is recorded as soon as it is seen.
      onChange: () => {
        const s = built.server?.snapshot();
        if (s?.status === 'connected') pins.admit(ref, s.toolsList, sourceOf(s));
        hooks.onChange();
      },
    });
    built.server = target;
    /** The server's own list (not one adopted from a user's process), for first use. */
    const ownList = (): readonly ToolDescriptor[] => {
      const s = target.snapshot();
      return sourceOf(s) === 'server' ? s.toolsList : NO_TOOLS;
    };
    const admitted = (
      username: string | undefined,
    ): { tools: readonly ToolDescriptor[]; source: ToolSource } => {
      const own = username === undefined ? undefined : userLists.get(username);
      if (own) return { tools: own, source: userSource };
      const s = target.snapshot();
      return { tools: s.toolsList, source: sourceOf(s) };
    };
    const pinned: Supervised = {
      inner: target,
      start: () => target.start(),
      stop: (reason) => target.stop(reason),
      snapshot() {
        const s = target.snapshot();
        return { ...s, toolsList: pins.admit(ref, s.toolsList, sourceOf(s)) };
      },
      async callTool(tool, args, options) {
        // The call path checks first; this guards any other caller of the supervisor.
        const { tools, source } = admitted(options.username);
        // The server's own list matters only for a user's process on first use (one snapshot fewer per call).
        const own = source === 'user_process' ? ownList() : NO_TOOLS;
        if (pins.held(ref, tools, source, tool, own)) throw pendingApproval(server.name, tool);
        return target.callTool(tool, args, options);
      },
      heldTool(toolName, username) {
        const { tools, source } = admitted(username);
        return pins.held(ref, tools, source, toolName, ownList());
      },
    };
    if (target.toolsFor) {
      const toolsFor = target.toolsFor.bind(target);
      pinned.toolsFor = async (username, options) => {
        const raw = await toolsFor(username, options);
        if (raw === undefined) return undefined;
        userLists.set(username, raw);
        return pins.admit(ref, raw, userSource, ownList());
      };
    }
    // Resources, prompts and completions are not pinned: they pass to the wrapped supervisor.
    if (target.withCatalog) pinned.withCatalog = target.withCatalog.bind(target);
    if (target.credentialsChanged) pinned.credentialsChanged = target.credentialsChanged.bind(target);
    if (target.userSecretsChanged) pinned.userSecretsChanged = target.userSecretsChanged.bind(target);
    if (target.userDeleted) {
      const userDeleted = target.userDeleted.bind(target);
      pinned.userDeleted = (username) => {
        userLists.delete(username);
        userDeleted(username);
      };
    }
    return pinned;
  };
}
