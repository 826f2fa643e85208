import type { UpstreamIdentity } from '../core/types.js';

/** Who the gateway is to an upstream when the wiring says nothing else: mcp-api, advertising nothing. */
export const DEFAULT_IDENTITY: UpstreamIdentity = {
  clientInfo: { name: 'mcp-api', version: '0.1.0' },
  capabilities: {},
};
