import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

/** Items per page of the gateway's merged lists (resources, templates, prompts). */
export const PAGE_SIZE = 100;

/**
 * The gateway pages its merged lists itself: the cursor is an opaque offset. A cursor the gateway
 * did not hand out is -32602, as the spec asks.
 */
export function pageOf<T>(
  items: readonly T[],
  cursor: string | undefined,
): { items: T[]; nextCursor?: string } {
  let start = 0;
  if (cursor !== undefined) {
    const decoded = /^o(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!decoded) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor');
    start = Number(decoded[1]);
  }
  const end = start + PAGE_SIZE;
  const page = items.slice(start, end);
  return end < items.length
    ? { items: page, nextCursor: Buffer.from(`o${end}`).toString('base64url') }
    : { items: page };
}
