import * as z from 'zod';
import { serverNameSchema } from './serverSchemas.js';

const toolName = z.string().min(1).max(256);
const hash = z.string().regex(/^[0-9a-f]{64}$/, 'hash is the 64 hex digits shown in GET /mcp/tool-pins');

export const ToolPinsQuery = z
  .object({ serverName: z.preprocess((v) => (Array.isArray(v) ? v.at(-1) : v), serverNameSchema.optional()) })
  .strict();

/** Approve: one held tool (toolName), or every held tool of the server. `hash` approves only that version. */
export const ApproveToolsBody = z.object({ toolName: toolName.optional(), hash: hash.optional() }).strict();

/** Reject: keep the pinned version; the held one stays unavailable and is not raised again. */
export const RejectToolsBody = ApproveToolsBody;

export const TOOL_PIN_QUERY_DOCS = { serverName: 'Only this server' };
