/** The shapes the console reads from the API (see /openapi.json); only the fields it shows. */

export interface Tool {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema?: JsonSchema;
}

export interface JsonSchema {
  readonly type?: string | string[];
  readonly properties?: Record<string, JsonSchema>;
  readonly required?: string[];
  readonly enum?: unknown[];
  readonly description?: string;
  readonly default?: unknown;
  readonly title?: string;
}

export interface ServerInfo {
  readonly name: string;
  readonly transportType: 'stdio' | 'streamable_http';
  readonly command?: string;
  readonly args?: string[];
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly url?: string;
  readonly headers?: Record<string, string>;
  readonly status: string;
  readonly statusMessage?: string;
  readonly enabled: boolean;
  readonly secretNames?: string[];
  readonly secretDelivery?: 'args' | 'env';
  readonly toolsList: Tool[];
  readonly logs: string[];
  readonly restarts: number;
  readonly timeout?: number;
  readonly startupTimeout?: number;
}

export interface PackageInfo {
  readonly serverName: string;
  readonly name?: string;
  readonly packageName?: string;
  readonly version?: string;
  readonly status?: string;
  readonly runtime?: string;
  readonly latestVersion?: string;
  readonly updateAvailable?: boolean;
  readonly [key: string]: unknown;
}
