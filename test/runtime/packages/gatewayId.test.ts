import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGatewayId } from '../../../src/runtime/packages/gatewayId.js';

describe('readGatewayId (the DATA_DIR identity in install markers)', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'mcp-gateway-id-'));
  });
  afterEach(async () => rm(base, { recursive: true, force: true }));

  it('creates an id on first use and returns the same one afterwards, concurrently too', async () => {
    const dir = join(base, 'data-a');
    const ids = await Promise.all([readGatewayId(dir), readGatewayId(dir), readGatewayId(dir)]);
    expect(new Set(ids).size).to.equal(1);
    expect(await readGatewayId(dir)).to.equal(ids[0]);
  });

  it('gives two DATA_DIRs two ids', async () => {
    expect(await readGatewayId(join(base, 'a'))).to.not.equal(await readGatewayId(join(base, 'b')));
  });

  it('refuses a file that does not hold an id', async () => {
    await writeFile(join(base, 'gateway.id'), 'garbage');
    let error: unknown;
    await readGatewayId(base).catch((e: unknown) => (error = e));
    expect(String(error)).to.contain('does not hold a gateway id');
  });
});
