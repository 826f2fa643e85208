import { expect } from 'chai';
import { createLogger, type Logger } from '../../../src/logger.js';
import { ArgumentValidator } from '../../../src/runtime/calls/argumentValidator.js';
import type { ToolDescriptor } from '../../../src/runtime/core/types.js';

const CANARY = 'canary-7f3a9c-value';

function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return {
    logger: createLogger({
      level: 'debug',
      write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
    }),
    lines,
  };
}

const strictTool = (): ToolDescriptor => ({
  name: 'search',
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string' },
      limit: { type: 'integer', minimum: 1 },
      email: { type: 'string', format: 'email' },
    },
    required: ['query'],
    additionalProperties: false,
  },
});

describe('argumentValidator', () => {
  it('returns no problems for valid arguments', () => {
    const v = new ArgumentValidator(createLogger({ level: 'error', write: () => undefined }));
    expect(v.check(strictTool(), { query: CANARY, limit: 3, email: 'ann@example.com' })).to.deep.equal([]);
  });

  it(
    'reports required, type and additionalProperties problems ' +
      'as readable strings without the offending values',
    () => {
      const v = new ArgumentValidator(createLogger({ level: 'error', write: () => undefined }));
      const problems = v.check(strictTool(), { limit: CANARY, extra: CANARY });
      expect([...problems].sort()).to.deep.equal([
        '(arguments) has unexpected property "extra"',
        '(arguments) is missing required property "query"',
        '/limit must be integer',
      ]);
      expect(problems.join('\n')).to.not.contain('canary');
    },
  );

  it('reports format and range problems by path without the values', () => {
    const v = new ArgumentValidator(createLogger({ level: 'error', write: () => undefined }));
    const problems = v.check(strictTool(), { query: 'q', limit: 0, email: CANARY });
    expect([...problems].sort()).to.deep.equal(['/email must match format "email"', '/limit must be >= 1']);
    expect(problems.join('\n')).to.not.contain('canary');
  });

  it('checks a draft 2020-12 schema that declares $schema', () => {
    const { logger, lines } = capturingLogger();
    const v = new ArgumentValidator(logger);
    const tool: ToolDescriptor = {
      name: 'pair',
      inputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: {
          pair: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'string' }], items: false },
        },
        required: ['pair'],
      },
    };
    expect(v.check(tool, { pair: [1, 'a'] })).to.deep.equal([]);
    // prefixItems only exists in 2020-12: a draft-07 validator would accept this.
    const problems = v.check(tool, { pair: [CANARY, 'a', 'extra'] });
    expect(problems).to.include('/pair/0 must be number');
    expect(problems.join('\n')).to.not.contain('canary');
    expect(lines).to.deep.equal([]);
  });

  it('checks a draft-07 schema that declares its $schema', () => {
    const v = new ArgumentValidator(createLogger({ level: 'error', write: () => undefined }));
    const tool: ToolDescriptor = {
      name: 'x',
      inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required: ['a'] },
    };
    expect(v.check(tool, {})).to.deep.equal(['(arguments) is missing required property "a"']);
  });

  it('disables checking for a schema that does not compile, and logs one warning naming the tool', () => {
    const { logger, lines } = capturingLogger();
    const v = new ArgumentValidator(logger);
    const tool: ToolDescriptor = {
      name: 'broken-tool',
      inputSchema: { type: 'not-a-type', required: 'query' },
    };
    expect(v.check(tool, { anything: CANARY })).to.deep.equal([]);
    expect(v.check(tool, {})).to.deep.equal([]);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.deep.include({ level: 'warn', tool: 'broken-tool' });
  });

  it('caches the compiled validator per descriptor object', () => {
    const v = new ArgumentValidator(createLogger({ level: 'error', write: () => undefined }));
    const tool = strictTool();
    expect(v.check(tool, {})).to.have.length(1);
    // Same object, changed schema: the cached validator is still used.
    tool.inputSchema = { type: 'object' };
    expect(v.check(tool, {})).to.deep.equal(['(arguments) is missing required property "query"']);
    // A new descriptor object (a refetched tools list) is compiled afresh.
    expect(v.check({ ...tool }, {})).to.deep.equal([]);
  });
});
