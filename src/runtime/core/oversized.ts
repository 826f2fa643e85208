import type { JSONRPCMessage } from '@modelcontextprotocol/client';

/**
 * One upstream message over the size limit fails the one call it answers, on every transport: the
 * message is counted as it streams by (never buffered whole) and replaced by this JSON-RPC error,
 * so the connection and the shared server stay up and nothing counts as a crash.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** JSON-RPC error code of the answer we substitute for an oversized result (server-error range). */
export const RESULT_TOO_LARGE_CODE = -32090;

/** Bytes kept from each end of a skipped message to find the request it answers. */
export const EDGE_BYTES = 512;

export type RequestId = string | number;

/** The error answer that stands in for an oversized message answering request `id`. */
export function tooLargeAnswer(id: RequestId, size: number, limit: number): JSONRPCMessage {
  const message = `result of ${size} bytes exceeds the message size limit of ${limit} bytes`;
  return {
    jsonrpc: '2.0',
    id,
    error: { code: RESULT_TOO_LARGE_CODE, message, data: { reason: 'result_too_large', size, limit } },
  };
}

const ID_VALUE = String.raw`(-?\d+|"(?:[^"\\]|\\.)*")`;
const ID_AT_END = new RegExp(String.raw`"id"\s*:\s*${ID_VALUE}\s*\}\s*$`);
const ID_AT_START = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID_VALUE}`);
/** A request or notification (it has a method), not an answer: never stand in for it with an error. */
const METHOD_AT_START = new RegExp(
  String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?(?:"id"\s*:\s*${ID_VALUE}\s*,\s*)?"method"\s*:`,
);

/**
 * The JSON-RPC id of an answer seen only by its first and last bytes (where SDKs put `id`);
 * undefined when the edges show none or the message is a request or notification.
 */
export function readEdgeId(head: string, tail: string): RequestId | undefined {
  if (METHOD_AT_START.test(head)) return undefined;
  const raw = (ID_AT_END.exec(tail) ?? ID_AT_START.exec(head))?.[1];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as RequestId;
  } catch {
    return undefined;
  }
}
