import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SuiteCanaries, suiteCanaries } from '../support/suiteCanaries.js';

/**
 * Root-level hook: runs once after every test of the run. Every test gateway swept its logs,
 * event log and data-key files for the secret values and tokens that went through it.
 */
after("no secret value or token appeared in clear in any gateway's logs or records", function () {
  expect(suiteCanaries.leaks, `leaks found in ${suiteCanaries.swept} swept gateways`).to.deep.equal([]);
});

describe('suite-wide canary sweep', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-api-sweep-'));
    await mkdir(join(dir, 'events'));
    await mkdir(join(dir, 'keys'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds a planted value in log lines, the event log and a key file, reporting only its start', async () => {
    const sweep = new SuiteCanaries();
    const planted = 'planted-canary-0123456789';
    sweep.add(planted, dir);
    await writeFile(join(dir, 'events', 'events.log'), `abc {"x":"${planted}"}\n`);
    await writeFile(join(dir, 'keys', 'k.json'), planted);
    await sweep.collect(['clean line', `leaky ${planted}`], dir);
    expect(sweep.leaks.map((l) => l.where)).to.deep.equal([
      `logs of ${dir}`,
      `${dir}/events/events.log`,
      `${dir}/keys/k.json`,
    ]);
    expect(JSON.stringify(sweep.leaks)).to.not.contain(planted);
  });

  it('learns values from request bodies and ignores ones too short to be meaningful', async () => {
    const sweep = new SuiteCanaries();
    sweep.noteRequest({ secretValue: 'from-a-request-body' }, dir);
    sweep.noteRequest({ secretValue: 'short' }, dir);
    await sweep.collect(['from-a-request-body', 'short'], dir);
    expect(sweep.leaks).to.have.length(1);
  });

  it('only checks a gateway for the values that went through it (or global ones)', async () => {
    const sweep = new SuiteCanaries();
    sweep.add('value-of-another-gateway', '/elsewhere');
    sweep.add('a-global-canary-value');
    await sweep.collect(['value-of-another-gateway a-global-canary-value'], dir);
    expect(sweep.leaks).to.have.length(1);
  });
});
