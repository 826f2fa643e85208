import { expect } from 'chai';
import { loadConfig } from '../src/config.js';

describe('config: remote servers', () => {
  it('defaults to no private networks, a 10 min idle timeout and 10 s OAuth requests', () => {
    const config = loadConfig({});
    expect(config.OUTBOUND_ALLOW_NETWORKS).to.equal(undefined);
    expect(config.OUTBOUND_DENY_NETWORKS).to.equal(undefined);
    expect(config.REMOTE_IDLE_TIMEOUT_MS).to.equal(600_000);
    expect(config.OAUTH_REQUEST_TIMEOUT_MS).to.equal(10_000);
  });

  it('accepts keywords, addresses and CIDRs in the network lists', () => {
    const config = loadConfig({
      OUTBOUND_ALLOW_NETWORKS: 'loopback, 10.0.0.0/8, fd00::/8',
      OUTBOUND_DENY_NETWORKS: '10.9.0.0/16',
    });
    expect(config.OUTBOUND_ALLOW_NETWORKS).to.equal('loopback, 10.0.0.0/8, fd00::/8');
  });

  it('refuses a malformed network list, naming the variable and the entry', () => {
    expect(() => loadConfig({ OUTBOUND_ALLOW_NETWORKS: 'intranet' })).to.throw(
      /OUTBOUND_ALLOW_NETWORKS.*"intranet"/,
    );
    expect(() => loadConfig({ OUTBOUND_DENY_NETWORKS: '10.0.0.0/99' })).to.throw(/OUTBOUND_DENY_NETWORKS/);
  });
});
