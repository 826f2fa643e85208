import { handleCommand, type CommandMetadata } from '../../commands/commandHandler.js';
import { toolPinDecider } from '../../commands/toolPinDecider.js';
import type { EventStore } from '../../events/eventStore.js';
import { canonicalJson, toolVersion } from '../../events/toolHash.js';
import { toolPinStreamId, type ToolSource, type ToolVersion } from '../../events/toolPinEvents.js';
import type { Logger } from '../../logger.js';
import type { ReadModels } from '../../projections/readModels.js';
import type { ToolDescriptor } from './types.js';

export interface PinRef {
  readonly serverId: string;
  readonly serverName: string;
  /** The server's log redactor: a definition it would change quotes a secret and is never recorded. */
  readonly redact?: ((text: string) => string) | undefined;
}

export interface ToolPinsDeps {
  readonly store: EventStore;
  readonly readModels: () => ReadModels;
  readonly metadata: () => CommandMetadata;
  readonly logger: Logger;
  /**
   * Changes whenever the read models may have (the projector's checkpoint): an admitted list is reused
   * while it stays the same. Absent: nothing is reused.
   */
  readonly revision?: () => number;
}

/** The default `own` list: one array, so that answers given without one can be reused. */
export const NO_TOOLS: readonly ToolDescriptor[] = Object.freeze([]);

/** What `admit` last answered for one tool list, and under which pin state (see `ToolPinsDeps.revision`). */
interface Admitted {
  readonly revision: number;
  readonly serverId: string;
  readonly source: ToolSource;
  readonly own: readonly ToolDescriptor[];
  readonly visible: readonly ToolDescriptor[];
}

/** Recorded catalogues remembered to skip re-recording the same list; cleared when it grows past this. */
const MAX_REMEMBERED = 1024;

/**
 * The tool gate (issue 14): the one place that decides which upstream tools the gateway lists and
 * calls. A tool passes when its hash is the pinned one; on first use (a server's own catalogue, before
 * anything was pinned) and on auto-approving servers the server's own tools pass at once. What is new
 * to the pin state is recorded as a command on the server's `toolpins-<serverId>` stream, so the pins
 * (and the held changes an admin reviews) survive restarts and show in the event log.
 */
export class ToolPins {
  private readonly versions = new WeakMap<ToolDescriptor, ToolVersion>();
  private readonly recorded = new Set<string>();
  /**
   * Keyed by the list itself: supervisors keep one array per catalogue, so the call path (which admits the
   * whole list on every call) costs a lookup instead of a hash check per tool, however many tools a server has.
   */
  private readonly lastAdmitted = new WeakMap<readonly ToolDescriptor[], Admitted>();

  constructor(private readonly deps: ToolPinsDeps) {}

  /** The hash of a tool's pinned fields, computed once per descriptor object. */
  version(tool: ToolDescriptor): ToolVersion {
    let v = this.versions.get(tool);
    if (!v) {
      v = toolVersion(tool);
      this.versions.set(tool, v);
    }
    return v;
  }

  /**
   * The tools of `tools` that may be listed and called now; records any tool new to the pin state.
   * `own`: the server's own current list (source `server`). Before its first catalogue is pinned, a
   * per-user process's tool identical to one of it passes too (the pin is on its way, not a user's doing).
   */
  admit(
    ref: PinRef,
    tools: readonly ToolDescriptor[],
    source: ToolSource,
    own: readonly ToolDescriptor[] = NO_TOOLS,
  ): readonly ToolDescriptor[] {
    const revision = this.deps.revision?.();
    const last = this.lastAdmitted.get(tools);
    if (
      last !== undefined &&
      last.revision === revision &&
      last.serverId === ref.serverId &&
      last.source === source &&
      last.own === own
    )
      return last.visible;
    const { visible, news } = this.check(ref, tools, source, own);
    // Only an answer that recorded nothing is reused: news is observed again (and its recording retried).
    if (!news && revision !== undefined && tools.length > 0)
      this.lastAdmitted.set(tools, { revision, serverId: ref.serverId, source, own, visible });
    return visible;
  }

  private check(
    ref: PinRef,
    tools: readonly ToolDescriptor[],
    source: ToolSource,
    own: readonly ToolDescriptor[],
  ): { visible: ToolDescriptor[]; news: boolean } {
    if (tools.length === 0) return { visible: [], news: false };
    const models = this.deps.readModels();
    const state = models.toolPins.get(ref.serverId);
    const view = models.servers.get(ref.serverName);
    const auto =
      view?.serverId === ref.serverId && view.config.toolApproval === 'auto' && source === 'server';
    // First use: the server's own first catalogue is trusted as it is being pinned.
    const trusted = source === 'server' && (auto || !state?.established);
    const firstUse = source === 'user_process' && !state?.established && own.length > 0;
    const ownHashes = firstUse ? new Set(own.map((t) => this.version(t).hash)) : undefined;
    const visible: ToolDescriptor[] = [];
    let news = false;
    for (const tool of tools) {
      const { hash } = this.version(tool);
      if (state?.pinned.get(tool.name)?.hash === hash) {
        visible.push(tool);
        continue;
      }
      if (ownHashes?.has(hash)) {
        visible.push(tool);
        continue;
      }
      if (trusted) visible.push(tool);
      const known =
        state?.pending.get(tool.name)?.proposed.hash === hash ||
        state?.rejected.get(tool.name)?.includes(hash);
      // Trusted (first use, auto) must still be recorded even when held before (then it settles the hold).
      if (trusted || !known) news = true;
    }
    if (news) {
      // Keyed by what was seen and what the pins said then: the same news is recorded once, not per list.
      const seen = tools.map((t) => {
        const { hash } = this.version(t);
        const pending = state?.pending.get(t.name)?.proposed.hash;
        return `${hash}/${state?.pinned.get(t.name)?.hash ?? ''}/${pending ?? ''}`;
      });
      this.record(ref, tools, source, auto, seen.join(','));
    }
    return { visible, news };
  }

  /** Whether `toolName` is among `tools` but not admitted (waiting for approval, or rejected). */
  held(
    ref: PinRef,
    tools: readonly ToolDescriptor[],
    source: ToolSource,
    toolName: string,
    own: readonly ToolDescriptor[] = NO_TOOLS,
  ): boolean {
    const offered = tools.filter((t) => t.name === toolName);
    return offered.length > 0 && this.check(ref, offered, source, own).visible.length === 0;
  }

  private record(
    ref: PinRef,
    tools: readonly ToolDescriptor[],
    source: ToolSource,
    auto: boolean,
    seen: string,
  ): void {
    // A server may put a secret it was given (a call's arguments, a per-user env) into a tool: the event gets the
    // definition with such values redacted (the hash stays the real one); a name that quotes one is never recorded.
    const versions = tools.flatMap((t): ToolVersion[] => {
      const v = this.version(t);
      const redact = ref.redact;
      const text = canonicalJson(v.definition);
      if (!redact || redact(text) === text) return [v];
      const quotes = { serverName: ref.serverName, toolName: redact(v.definition.name) };
      if (redact(v.definition.name) !== v.definition.name) {
        this.deps.logger.warn('a tool name quotes a secret: held and not recorded', quotes);
        return [];
      }
      this.deps.logger.warn('a tool definition quotes a secret: recorded redacted', quotes);
      return [{ hash: v.hash, definition: redactDeep(v.definition, redact) as ToolVersion['definition'] }];
    });
    const key = `${ref.serverId}\n${source}\n${String(auto)}\n${seen}`;
    if (this.recorded.has(key)) return;
    if (this.recorded.size >= MAX_REMEMBERED) this.recorded.clear();
    this.recorded.add(key);
    const command = {
      type: 'ObserveTools' as const,
      data: {
        serverId: ref.serverId,
        serverName: ref.serverName,
        source,
        autoApprove: auto,
        tools: versions,
      },
    };
    handleCommand(
      this.deps.store,
      toolPinStreamId(ref.serverId),
      toolPinDecider,
      command,
      this.deps.metadata(),
    ).catch((error: unknown) => {
      // Not recorded: the tools stay held (or first-use visible) and the next observation retries.
      this.recorded.delete(key);
      this.deps.logger.error('recording a tool catalogue failed', { serverName: ref.serverName, error });
    });
  }
}

/** Every string (and object key) of a JSON value through `redact`. */
function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [redact(k), redactDeep(v, redact)]),
  );
}
