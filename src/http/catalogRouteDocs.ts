import { MCP_QUERY_DOCS } from './mcpRoutes.js';
import { PromptGetBody, ResourceReadBody } from './catalogRoutes.js';

const LIST_QUERY = {
  username: 'admin only: list as this user',
  server: 'only this server',
};

/** OpenAPI entries of the resource and prompt routes and the per-server MCP endpoint. */
export const CATALOG_ROUTE_DOCS = {
  'GET /mcp/resources': {
    summary:
      'Resources and resource templates of every enabled server the caller may use (access policy), original URIs, ' +
      'as [{ "<server>": [item] }]',
    tag: 'resources',
    returns: ['resources', 'resourceTemplates'],
    query: LIST_QUERY,
  },
  'POST /mcp/resource/read': {
    summary:
      "Read one resource of one server through the caller's own connection; data is the MCP ReadResourceResult " +
      '(audited, and counted against the per-user call rate limit)',
    tag: 'resources',
    body: ResourceReadBody,
    returns: ['data'],
  },
  'GET /mcp/prompts': {
    summary:
      'Prompts of every enabled server the caller may use (access policy), as [{ "<server>": [prompt] }]',
    tag: 'prompts',
    returns: ['prompts'],
    query: LIST_QUERY,
  },
  'POST /mcp/prompt/get': {
    summary:
      'Get one prompt of one server with its arguments; data is the MCP GetPromptResult (audited without ' +
      'argument values, and counted against the per-user call rate limit)',
    tag: 'prompts',
    body: PromptGetBody,
    returns: ['data'],
  },
  'POST /mcp/servers/:name/mcp': {
    summary:
      "One server's own MCP endpoint (both protocol eras): its tools, prompts and resources under their original " +
      'names and URIs',
    tag: 'mcp',
    query: {
      username: MCP_QUERY_DOCS.username,
      tools: 'Only these tools, by their original names',
      mode: MCP_QUERY_DOCS.mode,
    },
  },
  'GET /mcp/servers/:name/mcp': {
    summary: "One server's MCP endpoint: the session's server-to-client SSE stream (Mcp-Session-Id header)",
    tag: 'mcp',
    query: { username: MCP_QUERY_DOCS.username },
  },
  'DELETE /mcp/servers/:name/mcp': {
    summary: "One server's MCP endpoint: end the session named by the Mcp-Session-Id header",
    tag: 'mcp',
  },
};
