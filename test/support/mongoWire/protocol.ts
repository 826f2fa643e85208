import { deserialize, serialize, type Document } from 'bson';

/**
 * MongoDB wire-protocol framing: the two request kinds the official driver sends (OP_QUERY for the
 * very first handshake, OP_MSG for everything after) and the two reply kinds (OP_REPLY, OP_MSG).
 * Not supported: OP_COMPRESSED (the driver only compresses when the server offers it; we offer
 * nothing), exhaust/moreToCome streaming, and the legacy OP_INSERT/OP_UPDATE/OP_DELETE opcodes.
 */

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

const HEADER = 16;
const CHECKSUM_PRESENT = 1;
const MORE_TO_COME = 2;

export interface Request {
  readonly requestId: number;
  readonly opCode: number;
  /** The command document, with OP_MSG document sequences (kind 1 sections) merged in by name. */
  readonly command: Document;
  /** For OP_QUERY: `admin.$cmd` etc. For OP_MSG: taken from `$db`. */
  readonly db: string;
  /** OP_MSG moreToCome: the client wants no reply. */
  readonly noReply: boolean;
}

/** Splits complete messages off the front of `buffer`; returns them and the unconsumed rest. */
export function takeMessages(buffer: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 4) {
    const length = buffer.readInt32LE(offset);
    if (length < HEADER) throw new Error(`invalid message length ${length}`);
    if (buffer.length - offset < length) break;
    messages.push(buffer.subarray(offset, offset + length));
    offset += length;
  }
  return { messages, rest: buffer.subarray(offset) };
}

const bsonOptions = { promoteLongs: true, promoteValues: true, bsonRegExp: false } as const;

export function parseRequest(message: Buffer): Request {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_QUERY) return parseQuery(message, requestId);
  if (opCode === OP_MSG) return parseMsg(message, requestId);
  throw new Error(`unsupported opCode ${opCode}`);
}

function parseQuery(message: Buffer, requestId: number): Request {
  let offset = HEADER + 4; // flags
  const nameEnd = message.indexOf(0, offset);
  const collection = message.toString('utf8', offset, nameEnd);
  offset = nameEnd + 1 + 8; // numberToSkip, numberToReturn
  const size = message.readInt32LE(offset);
  let command = deserialize(message.subarray(offset, offset + size), bsonOptions);
  if (command.$query) command = command.$query as Document;
  return { requestId, opCode: OP_QUERY, command, db: collection.split('.')[0] ?? 'admin', noReply: false };
}

function parseMsg(message: Buffer, requestId: number): Request {
  const flags = message.readUInt32LE(HEADER);
  const end = flags & CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = HEADER + 4;
  let body: Document | undefined;
  const sequences: Record<string, Document[]> = {};
  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      const size = message.readInt32LE(offset);
      body = deserialize(message.subarray(offset, offset + size), bsonOptions);
      offset += size;
    } else if (kind === 1) {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      const nameEnd = message.indexOf(0, offset + 4);
      const name = message.toString('utf8', offset + 4, nameEnd);
      const docs: Document[] = [];
      for (let p = nameEnd + 1; p < sectionEnd;) {
        const docSize = message.readInt32LE(p);
        docs.push(deserialize(message.subarray(p, p + docSize), bsonOptions));
        p += docSize;
      }
      sequences[name] = docs;
      offset = sectionEnd;
    } else {
      throw new Error(`unsupported OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new Error('OP_MSG without a body section');
  const command = { ...body, ...sequences };
  return {
    requestId,
    opCode: OP_MSG,
    command,
    db: String(body.$db ?? 'admin'),
    noReply: (flags & MORE_TO_COME) !== 0,
  };
}

let nextResponseId = 1;

function header(length: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(nextResponseId++, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** Encodes `reply` in the format matching the request: OP_REPLY to an OP_QUERY, OP_MSG to an OP_MSG. */
export function encodeReply(request: Request, reply: Document): Buffer {
  const doc = Buffer.from(serialize(reply));
  if (request.opCode === OP_QUERY) {
    const fields = Buffer.alloc(20); // responseFlags, cursorID (int64), startingFrom, numberReturned
    fields.writeInt32LE(1, 16);
    const length = HEADER + fields.length + doc.length;
    return Buffer.concat([header(length, request.requestId, OP_REPLY), fields, doc]);
  }
  const flags = Buffer.alloc(5); // flagBits = 0, then section kind 0
  const length = HEADER + flags.length + doc.length;
  return Buffer.concat([header(length, request.requestId, OP_MSG), flags, doc]);
}
