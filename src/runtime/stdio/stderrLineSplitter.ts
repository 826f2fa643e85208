import { StringDecoder } from 'node:string_decoder';

/**
 * Turns a child's stderr byte stream into lines. Partial lines wait for their newline, but never
 * grow past `maxLineLength`: a child that prints megabytes without a newline must not exhaust memory.
 */
export const DEFAULT_MAX_STDERR_LINE = 4096;
const TRUNCATED = ' …[truncated]';

export class StderrLineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  /** Set after a truncated line was emitted: drop bytes until the next newline. */
  private skipping = false;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLineLength = DEFAULT_MAX_STDERR_LINE,
  ) {}

  write(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl === -1) break;
      const piece = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (this.skipping) {
        this.skipping = false;
        this.partial = '';
        continue;
      }
      this.emitLine(this.partial + piece);
      this.partial = '';
    }
    if (this.skipping) return;
    this.partial += text;
    if (this.partial.length > this.maxLineLength) {
      this.emitLine(this.partial);
      this.partial = '';
      this.skipping = true;
    }
  }

  /** Emits whatever is left once the stream ended. */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (!this.skipping && rest.length > 0) this.emitLine(rest);
    this.skipping = false;
  }

  private emitLine(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.emit(line.length > this.maxLineLength ? line.slice(0, this.maxLineLength) + TRUNCATED : line);
  }
}
