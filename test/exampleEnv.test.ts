import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { ConfigSchema, loadConfig } from '../src/config.js';

const EXAMPLE = fileURLToPath(new URL('../../example.env', import.meta.url));

describe('example.env', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  const listed = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);

  it('lists every setting the gateway reads, once', () => {
    expect([...listed].sort()).to.deep.equal(Object.keys(ConfigSchema.shape).sort());
    expect(new Set(listed).size).to.equal(listed.length);
  });

  it('copied to .env as is, gives the default configuration', () => {
    expect(loadConfig(parseEnv(text))).to.deep.equal(loadConfig({}));
  });
});
