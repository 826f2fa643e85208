import { BlockList } from 'node:net';
import { embeddedIPv4, ipFamily } from './ipAddress.js';

/**
 * Where remote MCP servers and OAuth endpoints may be reached. Cloud-metadata and link-local
 * addresses are refused whatever the configuration; private ranges (loopback, RFC 1918, CGNAT,
 * ULA) only when allowed; a deny list refuses anything else named. Checked on the literal URL and
 * again on every address DNS returns, at connect time (see safeFetch).
 */
export interface UrlPolicy {
  readonly allow: BlockList;
  readonly deny: BlockList;
  /** What was configured, for messages. */
  readonly allowed: readonly string[];
}

type Range = readonly [string, number, 'ipv4' | 'ipv6'];

const FORBIDDEN: readonly Range[] = [
  ['169.254.0.0', 16, 'ipv4'], // link-local, AWS/GCP/Azure/OCI metadata
  ['0.0.0.0', 8, 'ipv4'], // "this host": reaches loopback on Linux
  ['100.100.100.200', 32, 'ipv4'], // Alibaba Cloud metadata
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved and broadcast
  ['fe80::', 10, 'ipv6'], // link-local
  ['fd00:ec2::254', 128, 'ipv6'], // AWS metadata over IPv6
  ['ff00::', 8, 'ipv6'], // multicast
  ['::', 128, 'ipv6'], // unspecified
];

const LOOPBACK: readonly Range[] = [
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
];

const PRIVATE: readonly Range[] = [
  ...LOOPBACK,
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['192.0.0.0', 24, 'ipv4'],
  ['fc00::', 7, 'ipv6'], // unique local
];

const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
  'metadata.tencentyun.com',
]);

const blockList = (ranges: readonly Range[]): BlockList => {
  const list = new BlockList();
  for (const [address, prefix, family] of ranges) list.addSubnet(address, prefix, family);
  return list;
};
const forbidden = blockList(FORBIDDEN);
const privateRanges = blockList(PRIVATE);

/** Parses one allow/deny entry: `private`, `loopback`, an address, or a CIDR. */
function parseEntry(entry: string): Range[] {
  if (entry === 'private') return [...PRIVATE];
  if (entry === 'loopback') return [...LOOPBACK];
  const [address = '', prefixText] = entry.split('/');
  const family = ipFamily(address);
  if (!family) throw new Error(`"${entry}" is not an IP address, a CIDR, "private" or "loopback"`);
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
    throw new Error(`"${entry}" has an invalid prefix length`);
  return [[address, prefix, family]];
}

/** Throws with a readable message naming the bad entry (used by config validation). */
export function createUrlPolicy(
  options: { allow?: readonly string[]; deny?: readonly string[] } = {},
): UrlPolicy {
  const allow = (options.allow ?? []).map((e) => e.trim()).filter(Boolean);
  const deny = (options.deny ?? []).map((e) => e.trim()).filter(Boolean);
  return {
    allow: blockList(allow.flatMap(parseEntry)),
    deny: blockList(deny.flatMap(parseEntry)),
    allowed: allow,
  };
}

/** Splits a comma-separated setting such as `loopback,10.0.0.0/8`. */
export const parseNetworkList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);

const matches = (list: BlockList, address: string): boolean => {
  const family = ipFamily(address);
  if (!family) return false;
  if (list.check(address.replace(/^\[|\]$/g, ''), family)) return true;
  const inner = family === 'ipv6' ? embeddedIPv4(address) : undefined;
  return inner !== undefined && list.check(inner, 'ipv4');
};

/** Why an address may not be reached, or undefined when it may. */
export function addressRefusal(address: string, policy: UrlPolicy): string | undefined {
  if (!ipFamily(address)) return `${address} is not an IP address`;
  if (matches(forbidden, address))
    return `${address} is a link-local, metadata or reserved address (always refused)`;
  if (matches(policy.deny, address)) return `${address} is in a denied network (OUTBOUND_DENY_NETWORKS)`;
  if (matches(privateRanges, address) && !matches(policy.allow, address)) {
    return (
      `${address} is a private or loopback address; allow it with OUTBOUND_ALLOW_NETWORKS (e.g. "loopback", ` +
      `"private" or a CIDR)`
    );
  }
  return undefined;
}

/** Problems that no configuration can lift: scheme, userinfo, metadata host names, forbidden literals. */
export function staticUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.username || url.password) return 'must not contain credentials (use headers or the OAuth endpoint)';
  const host = hostOf(url);
  if (!host) return 'has no host';
  if (METADATA_HOSTS.has(host)) return `points at a cloud metadata host (${host}), which is always refused`;
  if (ipFamily(host) && matches(forbidden, host))
    return `points at ${host}, a link-local, metadata or reserved address (always refused)`;
  return undefined;
}

/** The URL's host without brackets or a trailing dot, lower-case. */
export const hostOf = (url: URL): string =>
  url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();

export class UrlRefusedError extends Error {
  constructor(
    readonly target: string,
    readonly reason: string,
  ) {
    super(`Refused to connect to ${target}: ${reason}`);
    this.name = 'UrlRefusedError';
  }
}

/** Full check of a URL before a request: static rules, then the policy for an IP-literal host. */
export function checkUrl(raw: string | URL, policy: UrlPolicy): URL {
  const text = String(raw);
  const problem = staticUrlProblem(text);
  if (!URL.canParse(text)) throw new UrlRefusedError('(unparsable URL)', 'the URL is not valid');
  const url = new URL(text);
  const where = `${url.protocol}//${url.host}`;
  if (problem) throw new UrlRefusedError(where, `the URL ${problem}`);
  const host = hostOf(url);
  if (ipFamily(host)) {
    const refusal = addressRefusal(host, policy);
    if (refusal) throw new UrlRefusedError(where, refusal);
  }
  return url;
}
