export interface ProfileNode {
  id: number;
  hitCount?: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const keyOf = (n: ProfileNode): string => {
  const where = n.callFrame.url ? n.callFrame.url.replace(/^.*\/(node_modules\/|dist\/)/, '$1') : '(native)';
  return `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`;
};

/**
 * Self and total (inclusive) time by function, counting only samples taken in [fromUs, toUs] of the
 * monotonic clock (V8's profile timestamps and `process.hrtime` both read CLOCK_MONOTONIC on Linux),
 * so start-up (scrypt, module compilation) and warm-up stay out of the shares. Markdown table.
 */
export function profileReport(profile: CpuProfile, fromUs: number, toUs: number, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  let all = 0;
  let t = profile.startTime;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const node = byId.get(samples[i] as number);
    if (!node) continue;
    all++;
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + 1);
    if (key.startsWith('(idle)')) continue;
    busy++;
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id) as ProfileNode);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + 1);
    }
  }
  const pct = (n: number, of: number): string => ((n / Math.max(of, 1)) * 100).toFixed(1);
  const lines = [
    `${all} samples in the measured window, ${busy} busy`,
    '',
    '| self % of busy | function |',
    '| --- | --- |',
  ];
  const rank = (m: Map<string, number>): Array<[string, number]> =>
    [...m].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(root)')).sort((a, b) => b[1] - a[1]);
  for (const [k, n] of rank(self).slice(0, top)) lines.push(`| ${pct(n, busy)} | \`${k}\` |`);
  lines.push('', '| total % of busy | function (inclusive: itself and what it calls) |', '| --- | --- |');
  for (const [k, n] of rank(total).slice(0, top)) lines.push(`| ${pct(n, busy)} | \`${k}\` |`);
  return lines.join('\n') + '\n';
}
