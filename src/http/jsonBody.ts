import type { IncomingMessage } from 'node:http';

/**
 * The common JSON request, read without koa-body's stack (co-body, raw-body, inflation, iconv-lite, type-is,
 * bourne): those cost a measurable share of a small REST tool call. Every rule below copies what that stack does
 * (koa-body 8.0.1, co-body 6.2.0, raw-body 2.5.3, @hapi/bourne 3.0.0); anything this module does not recognise is
 * left to koa-body, so the observable behaviour is the same either way.
 */

/** koa-body's parsedMethods: other methods never have their body read. */
export const PARSED_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Only the plain JSON type. co-body decodes as UTF-8 whatever charset is declared; other charsets, other JSON
 * types and anything unusually spelled go to koa-body anyway, where type-is decides.
 */
const PLAIN_JSON = /^application\/json(?:[ \t]*;[ \t]*charset=(?:utf-8|"utf-8"))?[ \t]*$/i;

/** A failure with the HTTP status raw-body/co-body would have given it (koa-body's onError maps the status). */
export class BodyReadError extends Error {
  constructor(
    readonly status: 400 | 413 | 500,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The declared byte length when this module can read the request exactly as koa-body would, else undefined
 * (null: no content-length, the body is chunked). Requires a body (type-is's hasBody), the plain JSON type and no
 * content coding (inflation passes only an absent, empty or exactly `identity` content-encoding through).
 */
export function fastJsonLength(req: IncomingMessage): number | null | undefined {
  const { headers } = req;
  const coding = headers['content-encoding'];
  if (coding !== undefined && coding !== '' && coding !== 'identity') return undefined;
  const type = headers['content-type'];
  if (type === undefined || !PLAIN_JSON.test(type)) return undefined;
  const declared = headers['content-length'];
  if (declared === undefined) return headers['transfer-encoding'] === undefined ? undefined : null;
  return /^\d+$/.test(declared) ? Number(declared) : undefined;
}

/**
 * raw-body's reading, for a limit already in bytes (null: none). A declared length over the limit fails before
 * anything is read; a body growing over it fails at that chunk and is not buffered further. Every listener is
 * removed once settled, and a stream that closes before its end settles too, so nothing waits forever.
 */
export function readBody(req: IncomingMessage, limit: number | null, length: number | null): Promise<Buffer> {
  if (limit !== null && length !== null && length > limit) {
    halt(req);
    return Promise.reject(new BodyReadError(413, 'request entity too large'));
  }
  if (!req.readable || req.readableEncoding !== null) {
    return Promise.reject(new BodyReadError(500, 'stream is not readable'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = (): void => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      req.removeListener('close', onClose);
    };
    const fail = (err: Error): void => {
      cleanup();
      halt(req);
      reject(err);
    };
    function onData(chunk: Buffer): void {
      received += chunk.length;
      if (limit !== null && received > limit) fail(new BodyReadError(413, 'request entity too large'));
      else chunks.push(chunk);
    }
    function onEnd(): void {
      if (length !== null && received !== length) {
        fail(new BodyReadError(400, 'request size did not match content length'));
        return;
      }
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    }
    function onError(err: Error): void {
      fail(err);
    }
    // raw-body settles on 'aborted', which node emits just before 'close' on an aborted request.
    function onClose(): void {
      fail(new BodyReadError(400, 'request aborted'));
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function halt(req: IncomingMessage): void {
  req.unpipe();
  req.pause();
}

/** co-body's strict test (`/^[\x20\x09\x0a\x0d]*(\[|\{)/`): RFC 7159 whitespace, then an object or an array. */
function strictStart(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) return true;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return false;
}

/** @hapi/bourne 3.0.0's pre-filter, verbatim: only text that may spell a `__proto__` key is scanned. */
const SUSPECT_PROTO = new RegExp(
  '"(?:_|\\\\u005[Ff])(?:_|\\\\u005[Ff])(?:p|\\\\u0070)(?:r|\\\\u0072)(?:o|\\\\u006[Ff])' +
    '(?:t|\\\\u0074)(?:o|\\\\u006[Ff])(?:_|\\\\u005[Ff])(?:_|\\\\u005[Ff])"\\s*\\:',
);

/**
 * co-body's strict JSON with bourne's protoAction 'error': the body is decoded as UTF-8 with one leading BOM
 * dropped (iconv-lite's decoder does that), empty means {}, and a `__proto__` key anywhere is refused.
 * Throws a SyntaxError for anything refused.
 */
export function parseStrictJson(body: Buffer): unknown {
  const bom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  const text = body.toString('utf8', bom ? 3 : 0);
  if (text === '') return {};
  if (!strictStart(text)) throw new SyntaxError('invalid JSON, only supports object and array');
  const value: unknown = JSON.parse(text);
  if (value !== null && typeof value === 'object' && SUSPECT_PROTO.test(text)) refuseProtoKeys(value);
  return value;
}

/** bourne's scan, breadth first like the original (the order decides nothing: any hit throws). */
function refuseProtoKeys(root: object): void {
  let next: object[] = [root];
  while (next.length > 0) {
    const nodes = next;
    next = [];
    for (const node of nodes) {
      if (Object.prototype.hasOwnProperty.call(node, '__proto__'))
        throw new SyntaxError('Object contains forbidden prototype property');
      for (const child of Object.values(node))
        if (child !== null && typeof child === 'object') next.push(child);
    }
  }
}

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
  tb: 1024 ** 4,
  pb: 1024 ** 5,
};
const SIZE = /^((-|\+)?(\d+(?:\.\d+)?)) *(kb|mb|gb|tb|pb)$/i;

/** The `bytes` package's parse, as raw-body applies it to the limit (null: no limit, as there). */
export function byteLimit(limit: string | number): number | null {
  if (typeof limit === 'number') return Number.isNaN(limit) ? null : limit;
  const match = SIZE.exec(limit);
  const amount = match ? parseFloat(match[1] as string) : parseInt(limit, 10);
  if (Number.isNaN(amount)) return null;
  const unit = match ? (match[4] as string).toLowerCase() : 'b';
  return Math.floor((UNITS[unit] as number) * amount);
}
