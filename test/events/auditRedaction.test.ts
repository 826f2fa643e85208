import { expect } from 'chai';
import { redactForAudit } from '../../src/events/auditRedaction.js';
import type { RecordedEvent } from '../../src/events/eventStore.js';

const recorded = (data: Record<string, unknown>): RecordedEvent => ({
  position: 1,
  streamId: 's',
  version: 1,
  type: 'Anything',
  data,
  metadata: { eventId: 'e1', occurredAt: '2030-01-01T00:00:00.000Z', schemaVersion: 1 },
});

describe('audit redaction', () => {
  it('replaces every sealed box, however deep and in whatever event, by its metadata', () => {
    const box = {
      keyVersion: 2,
      iv: 'aXZpdml2aXZpdml2',
      tag: 'dGFndGFndGFndGFndGFn',
      data: 'Y2lwaGVydGV4dA==',
    };
    const out = redactForAudit(recorded({ sealed: box, tokens: { access: box, list: [box] }, other: 1 }));
    const meta = { sealed: true, keyVersion: 2, ciphertextBytes: 10 };
    expect(out.data).to.deep.equal({ sealed: meta, tokens: { access: meta, list: [meta] }, other: 1 });
    expect(JSON.stringify(out)).to.not.contain(box.iv).and.not.contain(box.tag).and.not.contain(box.data);
  });

  it('redacts string values under credential-looking names (env vars, HTTP headers) and keeps the rest', () => {
    const out = redactForAudit(
      recorded({
        env: { GITHUB_TOKEN: 'ghp_x', DB_PASSWORD: 'pw', MODE: 'prod' },
        headers: { Authorization: 'Bearer x', Accept: 'json' },
      }),
    );
    expect(out.data).to.deep.equal({
      env: { GITHUB_TOKEN: '[redacted]', DB_PASSWORD: '[redacted]', MODE: 'prod' },
      headers: { Authorization: '[redacted]', Accept: 'json' },
    });
  });

  it('keeps the envelope as stored', () => {
    const event = recorded({});
    expect(redactForAudit(event)).to.deep.equal({ ...event, data: {} });
  });
});
