import * as z from 'zod';
import type { DomainEvent } from './domainEvents.js';

/**
 * Tool pinning (issue 14): what a server's tools looked like when the gateway first trusted them, and
 * every later change it held back. A definition is the part of an MCP `Tool` a model reads or a call
 * is checked against (name, title, description, schemas, annotations): never arguments, never secrets.
 */
const JsonRecord = z.record(z.string(), z.unknown());

export const ToolDefinitionSchema = z.object({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: JsonRecord,
  outputSchema: JsonRecord.optional(),
  annotations: JsonRecord.optional(),
});
export type ToolDefinition = z.infer<typeof ToolDefinitionSchema>;

/** One version of one tool: its definition and the sha256 (hex) of its canonical JSON. */
export const ToolVersionSchema = z.object({ hash: z.string().min(1), definition: ToolDefinitionSchema });
export type ToolVersion = z.infer<typeof ToolVersionSchema>;

/**
 * Where a catalogue came from. `server`: the server's own process or connection (a shared stdio
 * process, the discovery process of a per-user server, a remote server's connections). `user_process`:
 * a per-user process, which runs with one user's secrets in its environment.
 */
export const ToolSourceSchema = z.enum(['server', 'user_process']);
export type ToolSource = z.infer<typeof ToolSourceSchema>;

const ids = { serverId: z.string().min(1), serverName: z.string().min(1) };

/** Trust on first use: the first non-empty catalogue the server itself advertised, pinned as seen. */
export const ToolCatalogPinned = z.object({ ...ids, tools: z.array(ToolVersionSchema) });

/** A tool appeared or changed: held back (not listed, not callable) until approved. */
export const ToolChangeDetected = z.object({
  ...ids,
  toolName: z.string().min(1),
  source: ToolSourceSchema,
  proposed: ToolVersionSchema,
  /** The pinned version it would replace; absent for a new tool. */
  previous: ToolVersionSchema.optional(),
});

/** The held version becomes the pinned one: by an admin, or automatically (`toolApproval: "auto"`). */
export const ToolChangeApproved = z.object({
  ...ids,
  toolName: z.string().min(1),
  hash: z.string().min(1),
  by: z.enum(['admin', 'auto']),
});

/** The admin kept the pinned version: the held one stays unavailable and is not raised again. */
export const ToolChangeRejected = z.object({ ...ids, toolName: z.string().min(1), hash: z.string().min(1) });

export type ToolCatalogPinnedData = z.infer<typeof ToolCatalogPinned>;
export type ToolChangeDetectedData = z.infer<typeof ToolChangeDetected>;

/** One stream per server registration: a re-registered name starts from nothing. */
export const toolPinStreamId = (serverId: string): string => `toolpins-${serverId}`;

export const TOOL_PIN_EVENT_TYPES: readonly string[] = [
  'ToolCatalogPinned',
  'ToolChangeDetected',
  'ToolChangeApproved',
  'ToolChangeRejected',
];

/**
 * The pin state of one server registration, folded from its `toolpins-<serverId>` stream. Shared by
 * the decider and the read model (so both agree on what "pinned" means); folded in place.
 */
export interface PinnedTool extends ToolVersion {
  readonly pinnedAt?: string | undefined;
}

export interface PendingTool {
  readonly proposed: ToolVersion;
  readonly previous?: ToolVersion | undefined;
  readonly source: ToolSource;
  readonly detectedAt?: string | undefined;
}

export interface ToolPinState {
  serverName: string;
  /** A first catalogue was pinned or any version approved: trust on first use is over. */
  established: boolean;
  readonly pinned: Map<string, PinnedTool>;
  readonly pending: Map<string, PendingTool>;
  /** Hashes an admin rejected, per tool: not raised again. */
  readonly rejected: Map<string, string[]>;
}

export const emptyPinState = (serverName = ''): ToolPinState => ({
  serverName,
  established: false,
  pinned: new Map(),
  pending: new Map(),
  rejected: new Map(),
});

export function applyToolPinEvent(state: ToolPinState, event: DomainEvent, occurredAt?: string): boolean {
  switch (event.type) {
    case 'ToolCatalogPinned':
      state.serverName = event.data.serverName;
      state.established = true;
      for (const t of event.data.tools) {
        state.pinned.set(t.definition.name, { ...t, pinnedAt: occurredAt });
        // A per-user process's list seen first is settled by the server's own identical catalogue.
        if (state.pending.get(t.definition.name)?.proposed.hash === t.hash)
          state.pending.delete(t.definition.name);
      }
      return true;
    case 'ToolChangeDetected': {
      const { toolName, proposed, previous, source } = event.data;
      state.serverName = event.data.serverName;
      state.pending.set(toolName, { proposed, previous, source, detectedAt: occurredAt });
      return true;
    }
    case 'ToolChangeApproved': {
      const held = state.pending.get(event.data.toolName);
      if (held?.proposed.hash !== event.data.hash) return false;
      state.established = true;
      state.pinned.set(event.data.toolName, { ...held.proposed, pinnedAt: occurredAt });
      state.pending.delete(event.data.toolName);
      return true;
    }
    case 'ToolChangeRejected': {
      const { toolName, hash } = event.data;
      if (state.pending.get(toolName)?.proposed.hash === hash) state.pending.delete(toolName);
      const hashes = state.rejected.get(toolName) ?? [];
      if (!hashes.includes(hash)) state.rejected.set(toolName, [...hashes, hash]);
      return true;
    }
    default:
      return false;
  }
}
