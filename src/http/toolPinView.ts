import type { ToolDefinition, ToolPinState } from '../events/toolPinEvents.js';
import type { ServerView } from '../projections/serversProjection.js';

const FIELDS = ['title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

/** Which pinned fields differ between two versions (a new tool: every field it has). */
export function changedFields(before: ToolDefinition | undefined, after: ToolDefinition): string[] {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  return FIELDS.filter((f) => (before ? !same(before[f], after[f]) : after[f] !== undefined));
}

/** A server's pins as the approval API shows them: pinned versions, held changes with their diff. */
export function toolPinsResponse(view: ServerView, state: ToolPinState | undefined) {
  const sorted = <T>(m: Map<string, T> | undefined): Array<[string, T]> =>
    [...(m ?? new Map<string, T>())].sort(([a], [b]) => a.localeCompare(b));
  return {
    serverName: view.name,
    serverId: view.serverId,
    toolApproval: view.config.toolApproval ?? 'manual',
    pinned: sorted(state?.pinned).map(([name, p]) => ({
      name,
      hash: p.hash,
      ...(p.pinnedAt === undefined ? {} : { pinnedAt: p.pinnedAt }),
      definition: p.definition,
    })),
    pending: sorted(state?.pending).map(([name, p]) => ({
      toolName: name,
      source: p.source,
      ...(p.detectedAt === undefined ? {} : { detectedAt: p.detectedAt }),
      kind: p.previous ? 'changed' : 'new',
      changedFields: changedFields(p.previous?.definition, p.proposed.definition),
      proposed: p.proposed,
      ...(p.previous ? { previous: p.previous } : {}),
    })),
    rejected: sorted(state?.rejected).map(([name, hashes]) => ({ toolName: name, hashes })),
  };
}
