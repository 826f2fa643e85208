import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CallToolResultSchema,
  ErrorCode,
  ListToolsResultSchema,
  McpError,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { listAllTools } from '../core/listAllTools.js';
import type { ProgressUpdate, ToolDescriptor, ToolResult } from '../core/types.js';
import { describeExit, SpawnError, StdioProcessTransport, type ProcessExit, type StdioProcessOptions } from './stdioProcessTransport.js';

/**
 * One process + one SDK Client: a single connection attempt. The supervisor throws it away when
 * it dies and builds a new one, because an SDK Client cannot be reconnected to a fresh transport.
 */
export interface StdioConnectionHooks {
  onStderrLine: (line: string) => void;
  onSpawn: (pid: number) => void;
  /** The process or pipe went away (not called for failures while `open()` is still running). */
  onLost: (reason: string) => void;
  onToolsChanged: () => void;
  onTruncatedList: (reason: string) => void;
  onProtocolError: (error: Error) => void;
}

export interface ClientInfo {
  name: string;
  version: string;
}

export interface RequestLimits {
  signal: AbortSignal;
  timeoutMs: number;
}

export interface CallLimits extends RequestLimits {
  onProgress?: ((update: ProgressUpdate) => void) | undefined;
}

export class StdioConnection {
  readonly transport: StdioProcessTransport;
  private readonly client: Client;
  private opening = false;
  private lost = false;

  constructor(process: StdioProcessOptions, clientInfo: ClientInfo, private readonly hooks: StdioConnectionHooks) {
    this.transport = new StdioProcessTransport(process);
    this.transport.onstderrLine = hooks.onStderrLine;
    this.transport.onspawn = hooks.onSpawn;
    this.client = new Client(clientInfo, { capabilities: {} });
    this.client.onerror = hooks.onProtocolError;
    this.client.onclose = () => {
      this.lost = true;
      if (!this.opening) hooks.onLost(this.lossReason());
    };
    this.client.setNotificationHandler(ToolListChangedNotificationSchema, () => hooks.onToolsChanged());
  }

  get pid(): number | undefined {
    return this.transport.pid;
  }

  get exitInfo(): ProcessExit | undefined {
    return this.transport.exitInfo;
  }

  /** True once the process or the protocol connection has gone away. */
  get closed(): boolean {
    return this.lost;
  }

  lossReason(): string {
    return this.transport.closeReason ?? `process exited (${describeExit(this.transport.exitInfo)})`;
  }

  /** Spawn + initialize + every tools/list page, all inside `timeoutMs`. Rejects with a message saying what failed. */
  async open(timeoutMs: number): Promise<ToolDescriptor[]> {
    this.opening = true;
    const startup = new AbortController();
    let timedOut = false;
    let phase = 'initialize';
    const timer = setTimeout(() => {
      timedOut = true;
      startup.abort(new Error(`startup timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    try {
      await this.client.connect(this.transport, { signal: startup.signal, timeout: timeoutMs });
      phase = 'tools/list';
      return await this.listTools({ signal: startup.signal, timeoutMs });
    } catch (error) {
      throw new Error(this.startFailure(error, phase, timedOut, timeoutMs), { cause: error });
    } finally {
      clearTimeout(timer);
      this.opening = false;
    }
  }

  listTools(limits: RequestLimits): Promise<ToolDescriptor[]> {
    return listAllTools(
      async (cursor) => {
        const page = await this.client.request(
          { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
          ListToolsResultSchema,
          { signal: limits.signal, timeout: limits.timeoutMs },
        );
        return { tools: page.tools.map((tool): ToolDescriptor => ({ ...tool })), nextCursor: page.nextCursor };
      },
      { onTruncated: this.hooks.onTruncatedList },
    );
  }

  /** Pass-through tools/call: no client-side output-schema validation, the result is forwarded verbatim. */
  async callTool(name: string, args: Record<string, unknown>, limits: CallLimits): Promise<ToolResult> {
    // With onprogress the SDK sends _meta.progressToken upstream and routes the notifications back.
    const onprogress = limits.onProgress;
    const result = await this.client.request(
      { method: 'tools/call', params: { name, arguments: args } },
      CallToolResultSchema,
      { signal: limits.signal, timeout: limits.timeoutMs, ...(onprogress ? { onprogress } : {}) },
    );
    return { ...result };
  }

  /** Shutdown ladder; resolves once the process is gone. Idempotent. */
  close(): Promise<void> {
    return this.transport.close();
  }

  private startFailure(error: unknown, phase: string, timedOut: boolean, timeoutMs: number): string {
    if (error instanceof SpawnError) return error.message;
    if (timedOut) return `startup did not complete within ${timeoutMs} ms (stuck in ${phase})`;
    if (this.lost || this.transport.exitInfo) return `${this.lossReason()} during ${phase}`;
    if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) return `connection closed during ${phase}`;
    const message = error instanceof Error ? error.message : String(error);
    return `${phase} failed: ${message}`;
  }
}
