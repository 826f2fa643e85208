import { expect } from 'chai';
import { bucketQuantile, summarize } from '../../src/metrics/serverHealth.js';

describe('server health from the metrics', () => {
  describe('bucketQuantile', () => {
    const buckets = [
      { le: 0.01, count: 50 },
      { le: 0.1, count: 90 },
      { le: 1, count: 100 },
      { le: Infinity, count: 100 },
    ];

    it('interpolates inside the bucket the rank falls in', () => {
      expect(bucketQuantile(0.5, buckets)).to.be.closeTo(0.01, 1e-9);
      expect(bucketQuantile(0.7, buckets)).to.be.closeTo(0.055, 1e-9);
      expect(bucketQuantile(0.95, buckets)).to.be.closeTo(0.55, 1e-9);
    });

    it('answers null before any observation and the lower bound in the open-ended bucket', () => {
      expect(bucketQuantile(0.5, [])).to.equal(null);
      expect(bucketQuantile(0.5, [{ le: Infinity, count: 0 }])).to.equal(null);
      expect(
        bucketQuantile(0.99, [
          { le: 1, count: 1 },
          { le: Infinity, count: 10 },
        ]),
      ).to.equal(1);
    });
  });

  describe('summarize', () => {
    it('counts calls and every outcome but ok as an error, per server, with p50/p95 in ms', () => {
      const calls = [
        { value: 8, labels: { server: 'b', outcome: 'ok' } },
        { value: 1, labels: { server: 'b', outcome: 'tool_error' } },
        { value: 1, labels: { server: 'b', outcome: 'upstream_timeout' } },
        { value: 2, labels: { server: 'a', outcome: 'ok' } },
      ];
      const seconds = [
        { value: 10, labels: { server: 'b', le: 0.01 }, metricName: 'x_bucket' },
        { value: 10, labels: { server: 'b', le: '+Inf' }, metricName: 'x_bucket' },
        { value: 0.05, labels: { server: 'b' }, metricName: 'x_sum' },
      ];
      const [a, b] = summarize(calls, seconds);
      expect(a).to.deep.equal({ server: 'a', calls: 2, errors: 0, p50Ms: null, p95Ms: null });
      expect(b).to.deep.include({ server: 'b', calls: 10, errors: 2 });
      expect(b!.p50Ms).to.equal(5);
      expect(b!.p95Ms).to.equal(9.5);
    });
  });
});
