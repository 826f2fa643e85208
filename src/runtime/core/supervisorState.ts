import type { Logger } from '../../logger.js';
import { LogBuffer, type LogCursor } from './logBuffer.js';
import type { ServerSnapshot, ServerStatus, ToolDescriptor } from './types.js';

/** Where stderr lines and supervisor notes go. */
export interface LogSink {
  push(line: string): void;
  lines(): readonly string[];
  /** Buffers that can be followed say where their newest line is (GET /mcp/servers/:name/logs/stream). */
  cursor?(): LogCursor;
}

export interface StateChange {
  status?: ServerStatus;
  statusMessage?: string | undefined;
  tools?: readonly ToolDescriptor[];
  pid?: number | undefined;
}

export interface SupervisorStateOptions {
  readonly logger: Logger;
  /** Fires whenever status, statusMessage, tools or pid change. */
  readonly onChange?: (() => void) | undefined;
  /** Default: a buffer of its own with this limit and redaction. */
  readonly logs?: LogSink | undefined;
  readonly logLimit?: number | undefined;
  readonly redact?: ((line: string) => string) | undefined;
}

/**
 * What every supervisor (stdio, remote, per-user) shows and changes the same way: status and
 * why, the tool list, the pid, the bounded log, and one change notification per real change.
 */
export class SupervisorState {
  status: ServerStatus = 'disconnected';
  statusMessage: string | undefined;
  tools: readonly ToolDescriptor[] = [];
  pid: number | undefined;
  readonly logs: LogSink;

  constructor(private readonly o: SupervisorStateOptions) {
    this.logs =
      o.logs ??
      new LogBuffer({
        ...(o.logLimit === undefined ? {} : { limit: o.logLimit }),
        ...(o.redact ? { redact: o.redact } : {}),
      });
  }

  /** Applies the change; tells the listener if anything differs (after `first`, which always runs). */
  set(next: StateChange, first?: () => void): boolean {
    let changed = false;
    if (next.status !== undefined && next.status !== this.status)
      [this.status, changed] = [next.status, true];
    if ('statusMessage' in next && next.statusMessage !== this.statusMessage)
      [this.statusMessage, changed] = [next.statusMessage, true];
    if (next.tools !== undefined) [this.tools, changed] = [next.tools, true];
    if ('pid' in next && next.pid !== this.pid) [this.pid, changed] = [next.pid, true];
    first?.();
    if (changed) this.changed();
    return changed;
  }

  /** Tells the listener regardless (a part it does not hold, such as a per-user process, changed). */
  changed(): void {
    try {
      this.o.onChange?.();
    } catch (error) {
      this.o.logger.error('onChange listener failed', { error });
    }
  }

  note(line: string): void {
    this.logs.push(line);
  }

  /** The part of a snapshot every supervisor has. */
  view(): Pick<ServerSnapshot, 'status' | 'statusMessage' | 'toolsList' | 'logs' | 'logCursor' | 'pid'> {
    const cursor = this.logs.cursor?.();
    return {
      status: this.status,
      ...(this.statusMessage === undefined ? {} : { statusMessage: this.statusMessage }),
      toolsList: this.tools,
      logs: this.logs.lines(),
      ...(cursor === undefined ? {} : { logCursor: cursor }),
      ...(this.pid === undefined ? {} : { pid: this.pid }),
    };
  }
}
