import { ApproveToolsBody, RejectToolsBody, TOOL_PIN_QUERY_DOCS } from './toolPinSchemas.js';

/** OpenAPI entries of the tool-pinning routes (issue 14). */
export const TOOL_PIN_ROUTE_DOCS = {
  'GET /mcp/tool-pins': {
    summary:
      "Each server's pinned tool versions (sha256 per tool) and the changes held back for approval, with diffs",
    tag: 'tool pinning',
    query: TOOL_PIN_QUERY_DOCS,
    returns: ['servers'],
  },
  'POST /mcp/servers/:name/tool-pins/approve': {
    summary: 'Approve one held tool (toolName, optionally its hash) or every held tool of the server',
    tag: 'tool pinning',
    body: ApproveToolsBody,
    returns: ['approved', 'server'],
  },
  'POST /mcp/servers/:name/tool-pins/reject': {
    summary: 'Keep the pinned version: the held one (or all) stays unavailable and is not raised again',
    tag: 'tool pinning',
    body: RejectToolsBody,
    returns: ['rejected', 'server'],
  },
};
