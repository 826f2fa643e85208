import { expect } from 'chai';
import { listAllTools, type ToolPage } from '../../../src/runtime/core/listAllTools.js';

const tool = (name: string) => ({ name, inputSchema: { type: 'object' } });

describe('listAllTools', () => {
  it('follows cursors across all pages', async () => {
    const pages: Record<string, ToolPage> = {
      start: { tools: [tool('a'), tool('b')], nextCursor: 'p2' },
      p2: { tools: [tool('c')], nextCursor: 'p3' },
      p3: { tools: [tool('d')] },
    };
    const seen: (string | undefined)[] = [];
    const tools = await listAllTools(async (cursor) => {
      seen.push(cursor);
      return pages[cursor ?? 'start'] as ToolPage;
    });
    expect(tools.map((t) => t.name)).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(seen).to.deep.equal([undefined, 'p2', 'p3']);
  });

  it('stops on a cursor loop and reports it', async () => {
    const reasons: string[] = [];
    const tools = await listAllTools(
      async (cursor) => ({ tools: [tool(cursor ?? 'first')], nextCursor: cursor === 'x' ? 'y' : 'x' }),
      {
        onTruncated: (r) => reasons.push(r),
      },
    );
    expect(tools.map((t) => t.name)).to.deep.equal(['first', 'x', 'y']);
    expect(reasons).to.have.length(1);
  });

  it('stops after maxPages', async () => {
    let n = 0;
    const reasons: string[] = [];
    const tools = await listAllTools(async () => ({ tools: [tool(`t${n}`)], nextCursor: `c${n++}` }), {
      maxPages: 5,
      onTruncated: (r) => reasons.push(r),
    });
    expect(tools).to.have.length(5);
    expect(reasons[0]).to.contain('5 pages');
  });
});
