import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LabelBudget } from './labelBudget.js';
import { summarize, type ServerHealth } from './serverHealth.js';

/** Live facts the collectors read at scrape time; nothing is sampled on the call path. */
export interface MetricSources {
  readonly servers: () => ReadonlyArray<{ name: string; status: string; restarts: number }>;
  readonly childProcesses: () => number;
  readonly projectionLag: () => Promise<number>;
  /** Open /mcp sessions. */
  readonly mcpSessions?: () => number;
  /** Per-user processes (servers with secretDelivery "env"), all servers together. */
  readonly perUserProcesses?: () => number;
  /** The event store's log size and writability, where the adapter knows them. */
  readonly store?: () => { logBytes?: number; segments?: number; writable?: boolean };
}

/** Label bounds of the per-tool and per-user metrics (METRICS_MAX_TOOL_LABELS, METRICS_MAX_USER_LABELS). */
export interface LabelLimits {
  readonly maxToolsPerServer: number;
  readonly maxUsers: number;
}

const RED_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 5, 30];

/**
 * The gateway's Prometheus metrics on a registry of its own (no global default registry, so
 * several gateways in one test process never share counters).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly toolCalls = new Counter({
    name: 'mcp_tool_calls_total',
    help: 'Tool calls by server and outcome (ok, tool_error, or the error code)',
    labelNames: ['server', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly callSeconds = new Histogram({
    name: 'mcp_tool_call_duration_seconds',
    help: 'Tool call latency through the gateway',
    labelNames: ['server'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly appendSeconds = new Histogram({
    name: 'mcp_event_store_append_duration_seconds',
    help: 'Event store append latency, durable (fsync or majority write) included',
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });

  // RED per server and tool, and per user: two families instead of one server×tool×user product,
  // so the series stay within servers×tools + users (see docs/operations in README).
  private readonly toolRequests = new Counter({
    name: 'mcp_tool_requests_total',
    help: 'Tool calls by server, tool and outcome (ok, tool_error, or the error code)',
    labelNames: ['server', 'tool', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly toolSeconds = new Histogram({
    name: 'mcp_tool_request_duration_seconds',
    help: 'Tool call latency by server and tool',
    labelNames: ['server', 'tool'] as const,
    buckets: RED_BUCKETS,
    registers: [this.registry],
  });
  private readonly userRequests = new Counter({
    name: 'mcp_user_tool_requests_total',
    help: 'Tool calls by acting user and outcome; users beyond METRICS_MAX_USER_LABELS count as "other"',
    labelNames: ['user', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly userSeconds = new Histogram({
    name: 'mcp_user_tool_request_duration_seconds',
    help: 'Tool call latency by acting user',
    labelNames: ['user'] as const,
    buckets: RED_BUCKETS,
    registers: [this.registry],
  });
  private readonly auditDropped = new Counter({
    name: 'mcp_audit_records_dropped_total',
    help: 'Audit records lost (write failures, or more pending than the recorder holds)',
    registers: [this.registry],
  });
  private readonly users: LabelBudget;
  private readonly tools = new Map<string, LabelBudget>();

  constructor(
    sources: MetricSources,
    private readonly limits: LabelLimits = { maxToolsPerServer: 100, maxUsers: 50 },
  ) {
    this.users = new LabelBudget(limits.maxUsers);
    const registers = [this.registry];
    new Gauge({
      name: 'mcp_server_restarts',
      help: 'Restarts of each running server since it was last (re)configured',
      labelNames: ['server'] as const,
      registers,
      collect() {
        this.reset();
        for (const s of sources.servers()) this.set({ server: s.name }, s.restarts);
      },
    });
    new Gauge({
      name: 'mcp_server_up',
      help: '1 when the server is connected, 0 otherwise, labelled with its status',
      labelNames: ['server', 'status'] as const,
      registers,
      collect() {
        this.reset();
        for (const s of sources.servers())
          this.set({ server: s.name, status: s.status }, s.status === 'connected' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'mcp_child_processes',
      help: 'Child processes (MCP servers) the gateway is running',
      registers,
      collect() {
        this.set(sources.childProcesses());
      },
    });
    new Gauge({
      name: 'mcp_endpoint_sessions',
      help: "Open sessions on the gateway's own MCP endpoint (/mcp)",
      registers,
      collect() {
        this.set(sources.mcpSessions?.() ?? 0);
      },
    });
    new Gauge({
      name: 'mcp_per_user_processes',
      help: 'Per-user server processes (secretDelivery "env") the gateway is running',
      registers,
      collect() {
        this.set(sources.perUserProcesses?.() ?? 0);
      },
    });
    new Gauge({
      name: 'mcp_event_log_bytes',
      help: 'Bytes of the file event log, all segments (absent for other stores)',
      registers,
      collect() {
        const bytes = sources.store?.().logBytes;
        if (bytes !== undefined) this.set(bytes);
      },
    });
    new Gauge({
      name: 'mcp_event_log_segments',
      help: 'Segment files of the file event log',
      registers,
      collect() {
        const segments = sources.store?.().segments;
        if (segments !== undefined) this.set(segments);
      },
    });
    new Gauge({
      name: 'mcp_event_store_writable',
      help: '1 while appends can succeed, 0 while they fail (for example a full disk)',
      registers,
      collect() {
        this.set(sources.store?.().writable === false ? 0 : 1);
      },
    });
    new Gauge({
      name: 'mcp_projection_lag_events',
      help: 'Events in the store not yet folded into the read models',
      registers,
      async collect() {
        this.set(await sources.projectionLag());
      },
    });
  }

  /** `outcome`: 'ok', 'tool_error' (an isError result), or the AppError code. */
  observeCall(server: string, outcome: string, seconds: number): void {
    this.toolCalls.inc({ server, outcome });
    this.callSeconds.observe({ server }, seconds);
  }

  /**
   * Rate, errors and duration per server, tool and user. `server` is already bounded (registered
   * servers or "(unknown)"); `tool` undefined means the call never found a tool.
   */
  observeToolCall(
    server: string,
    tool: string | undefined,
    user: string,
    outcome: string,
    seconds: number,
  ): void {
    let budget = this.tools.get(server);
    if (!budget) this.tools.set(server, (budget = new LabelBudget(this.limits.maxToolsPerServer)));
    const toolLabel = tool === undefined ? '(unknown)' : budget.label(tool);
    const userLabel = this.users.label(user);
    this.toolRequests.inc({ server, tool: toolLabel, outcome });
    this.toolSeconds.observe({ server, tool: toolLabel }, seconds);
    this.userRequests.inc({ user: userLabel, outcome });
    this.userSeconds.observe({ user: userLabel }, seconds);
  }

  /** Calls, errors and p50/p95 latency per server, read from the same counters /metrics shows. */
  async serverHealth(): Promise<ServerHealth[]> {
    return summarize((await this.toolCalls.get()).values, (await this.callSeconds.get()).values);
  }

  observeAuditDropped(count: number): void {
    this.auditDropped.inc(count);
  }

  observeAppend(seconds: number): void {
    this.appendSeconds.observe(seconds);
  }
}
