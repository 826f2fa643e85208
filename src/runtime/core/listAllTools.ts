import type { ToolDescriptor } from './types.js';

/**
 * Walks every page of tools/list. The SDK's own helpers fetch only one page (and its listChanged
 * auto-refresh only the first), so a paginating server would silently lose tools.
 */
export interface ToolPage {
  tools: ToolDescriptor[];
  nextCursor?: string | undefined;
}

export type FetchToolPage = (cursor: string | undefined) => Promise<ToolPage>;

export interface ListAllToolsOptions {
  /** Upper bound on pages, against servers that never stop paginating. */
  maxPages?: number;
  /** Told why the walk stopped early (cursor loop, page limit); the tools so far are still returned. */
  onTruncated?: (reason: string) => void;
}

export const DEFAULT_MAX_TOOL_PAGES = 100;

export async function listAllTools(
  fetchPage: FetchToolPage,
  options: ListAllToolsOptions = {},
): Promise<ToolDescriptor[]> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_TOOL_PAGES;
  const byName = new Map<string, ToolDescriptor>();
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= maxPages) {
      options.onTruncated?.(`tools/list stopped after ${maxPages} pages`);
      break;
    }
    const result = await fetchPage(cursor);
    // First declaration wins: a looping or sloppy server must not make a tool flip between pages.
    for (const tool of result.tools) if (!byName.has(tool.name)) byName.set(tool.name, tool);
    const next = result.nextCursor;
    if (next === undefined || next === '') break;
    if (seenCursors.has(next)) {
      options.onTruncated?.('tools/list returned a cursor it had already returned');
      break;
    }
    seenCursors.add(next);
    cursor = next;
  }
  return [...byName.values()];
}
