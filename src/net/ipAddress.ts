import { isIPv4, isIPv6 } from 'node:net';

/**
 * IPv6 text → its eight 16-bit groups (undefined if not IPv6). Handles `::` and a trailing dotted
 * quad. Node parses addresses only inside net.BlockList, which cannot tell us about embedded IPv4.
 */
export function ipv6Groups(address: string): number[] | undefined {
  const text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(text)) return undefined;
  let head = text;
  const tail: number[] = [];
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(head);
  if (quad?.[1]) {
    const [a, b, c, d] = quad[1].split('.').map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    head = head.slice(0, -quad[1].length).replace(/:$/, head.endsWith('::' + quad[1]) ? ':' : '');
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const [left = '', right] = head.split('::');
  const l = parse(left);
  const r = right === undefined ? [] : parse(right);
  const missing = 8 - l.length - r.length - tail.length;
  const groups =
    right === undefined
      ? [...l, ...tail]
      : [...l, ...new Array<number>(Math.max(0, missing)).fill(0), ...r, ...tail];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

/**
 * IPv4 addresses an IPv6 address carries and may be routed to: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002:AABB:CCDD::/16).
 */
export function embeddedIPv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (!g) return undefined;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zeroHead = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroHead && g5 === 0xffff) return v4(g6, g7);
  if (zeroHead && g5 === 0 && (g6 !== 0 || g7 > 1)) return v4(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4(g6, g7);
  if (g0 === 0x2002) return v4(g1, g2);
  return undefined;
}

export const ipFamily = (address: string): 'ipv4' | 'ipv6' | undefined => {
  const text = address.replace(/^\[|\]$/g, '');
  return isIPv4(text) ? 'ipv4' : isIPv6(text) ? 'ipv6' : undefined;
};
