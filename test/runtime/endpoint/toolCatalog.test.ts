import { expect } from 'chai';
import {
  exposedName,
  fingerprint,
  parseExposedName,
  visibleTools,
} from '../../../src/runtime/endpoint/toolCatalog.js';

const tool = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  inputSchema: { type: 'object' },
  ...extra,
});

describe('toolCatalog: <server>__<tool> names on /mcp', () => {
  it('splits an exposed name at the first "__", so tool names may contain "__"', () => {
    expect(exposedName('github', 'create_issue')).to.equal('github__create_issue');
    expect(parseExposedName('github__create_issue')).to.deep.equal({
      serverName: 'github',
      toolName: 'create_issue',
    });
    expect(parseExposedName('db__run__sql')).to.deep.equal({ serverName: 'db', toolName: 'run__sql' });
    for (const bad of ['plain', '__tool', 'server__', ''])
      expect(parseExposedName(bad), bad).to.equal(undefined);
  });

  it('leaves out servers whose own name contains "__" (their names could not be mapped back)', () => {
    const tools = visibleTools(
      [
        { name: 'a__b', tools: [tool('x')] },
        { name: 'a', tools: [tool('b__x')] },
      ],
      {},
    );
    expect(tools.map((t) => t.tool.name)).to.deep.equal(['a__b__x']);
    expect(tools[0]).to.include({ serverName: 'a', toolName: 'b__x' });
  });

  it('keeps everything but the name as the upstream declared it', () => {
    const upstream = tool('add', {
      title: 'Add',
      annotations: { readOnlyHint: true },
      outputSchema: { type: 'object' },
      _meta: { k: 1 },
    });
    const [exposed] = visibleTools([{ name: 'calc', tools: [upstream] }], {});
    expect(exposed!.tool).to.deep.equal({ ...upstream, name: 'calc__add' });
    expect(upstream.name).to.equal('add');
  });

  it('filters by server and by exposed tool name', () => {
    const servers = [
      { name: 'a', tools: [tool('x'), tool('y')] },
      { name: 'b', tools: [tool('x')] },
    ];
    expect(visibleTools(servers, { servers: new Set(['b']) }).map((t) => t.tool.name)).to.deep.equal([
      'b__x',
    ]);
    expect(visibleTools(servers, { tools: new Set(['a__y', 'b__x']) }).map((t) => t.tool.name)).to.deep.equal(
      ['a__y', 'b__x'],
    );
    expect(visibleTools(servers, { servers: new Set(['a']), tools: new Set(['b__x']) })).to.deep.equal([]);
  });

  it('fingerprints what a client sees: equal lists agree, any schema change differs', () => {
    const one = visibleTools([{ name: 'a', tools: [tool('x')] }], {});
    const same = visibleTools([{ name: 'a', tools: [tool('x')] }], {});
    const changed = visibleTools([{ name: 'a', tools: [tool('x', { description: 'new' })] }], {});
    expect(fingerprint(one)).to.equal(fingerprint(same));
    expect(fingerprint(one)).to.not.equal(fingerprint(changed));
  });
});
