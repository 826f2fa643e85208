import { expect } from 'chai';
import type { LookupAddress } from 'node:dns';
import { embeddedIPv4, ipv6Groups } from '../../src/net/ipAddress.js';
import { checkedLookup } from '../../src/runtime/remote/net/safeFetch.js';
import {
  addressRefusal,
  checkUrl,
  createUrlPolicy,
  parseNetworkList,
  staticUrlProblem,
  UrlRefusedError,
} from '../../src/net/urlSafety.js';

const strict = createUrlPolicy();
const loopbackOk = createUrlPolicy({ allow: ['loopback'] });

describe('URL safety', () => {
  describe('addressRefusal', () => {
    const always = [
      '169.254.169.254',
      '169.254.0.1',
      '0.0.0.0',
      '100.100.100.200',
      '224.0.0.1',
      '255.255.255.255',
      'fe80::1',
      'fd00:ec2::254',
      '::',
    ];
    for (const address of always) {
      it(`always refuses ${address}, whatever is allowed`, () => {
        expect(
          addressRefusal(address, createUrlPolicy({ allow: ['private', '0.0.0.0/0', '::/0'] })),
        ).to.contain('always refused');
      });
    }

    const embedded = [
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      '2002:a9fe:a9fe::1',
      '::169.254.169.254',
    ];
    for (const address of embedded) {
      it(`sees the link-local IPv4 inside ${address}`, () => {
        expect(addressRefusal(address, strict)).to.contain('always refused');
      });
    }

    it('refuses private and loopback ranges unless allowed', () => {
      for (const address of [
        '127.0.0.1',
        '10.1.2.3',
        '172.16.0.1',
        '192.168.1.1',
        '100.64.0.1',
        '::1',
        'fd12::1',
        '::ffff:127.0.0.1',
      ]) {
        expect(addressRefusal(address, strict), address).to.contain('OUTBOUND_ALLOW_NETWORKS');
      }
      expect(addressRefusal('127.0.0.1', loopbackOk)).to.equal(undefined);
      expect(addressRefusal('::1', loopbackOk)).to.equal(undefined);
      expect(addressRefusal('10.1.2.3', loopbackOk)).to.contain('private');
      expect(addressRefusal('10.1.2.3', createUrlPolicy({ allow: ['10.0.0.0/8'] }))).to.equal(undefined);
      expect(addressRefusal('192.168.1.1', createUrlPolicy({ allow: ['private'] }))).to.equal(undefined);
    });

    it('allows public addresses and refuses denied ones, deny winning over allow', () => {
      expect(addressRefusal('93.184.216.34', strict)).to.equal(undefined);
      expect(addressRefusal('2606:4700::1111', strict)).to.equal(undefined);
      const policy = createUrlPolicy({ allow: ['private'], deny: ['93.184.0.0/16', '10.9.0.0/16'] });
      expect(addressRefusal('93.184.216.34', policy)).to.contain('denied');
      expect(addressRefusal('10.9.1.1', policy)).to.contain('denied');
      expect(addressRefusal('10.8.1.1', policy)).to.equal(undefined);
    });

    it('rejects a malformed network list entry with a message naming it', () => {
      expect(() => createUrlPolicy({ allow: ['10.0.0.0/33'] })).to.throw('10.0.0.0/33');
      expect(() => createUrlPolicy({ allow: ['intranet'] })).to.throw('"intranet"');
      expect(parseNetworkList(' loopback, 10.0.0.0/8 ,')).to.deep.equal(['loopback', '10.0.0.0/8']);
    });
  });

  describe('staticUrlProblem and checkUrl', () => {
    it('accepts http and https URLs', () => {
      expect(staticUrlProblem('https://mcp.example.com/mcp')).to.equal(undefined);
      expect(checkUrl('http://127.0.0.1:9/mcp', loopbackOk).hostname).to.equal('127.0.0.1');
    });

    it('refuses other schemes, credentials, metadata host names and forbidden literals (in any spelling)', () => {
      expect(staticUrlProblem('ftp://example.com/')).to.contain('http or https');
      expect(staticUrlProblem('https://user:pw@example.com/')).to.contain('credentials');
      expect(staticUrlProblem('http://metadata.google.internal./computeMetadata')).to.contain('metadata');
      expect(staticUrlProblem('http://0xa9.0xfe.0xa9.0xfe/')).to.contain('always refused');
      expect(staticUrlProblem('http://2852039166/')).to.contain('always refused');
      expect(staticUrlProblem('not a url')).to.contain('not a valid URL');
    });

    it('applies the policy to IP-literal hosts', () => {
      expect(() => checkUrl('http://10.0.0.1/', strict)).to.throw(UrlRefusedError, 'private');
      expect(() => checkUrl('http://[::ffff:7f00:1]/', strict)).to.throw(UrlRefusedError, 'private');
    });
  });

  describe('checkedLookup (the check inside the connect)', () => {
    const resolver =
      (addresses: LookupAddress[]) =>
      (_host: string, _o: unknown, cb: (e: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) =>
        cb(null, addresses);
    const lookup = (policy = strict, addresses: LookupAddress[], all = false) =>
      new Promise<unknown>((resolve, reject) =>
        checkedLookup(policy, resolver(addresses))(
          'host.example',
          { all },
          (err: unknown, address: unknown) => (err ? reject(err) : resolve(address)),
        ),
      );

    it('hands the socket only allowed addresses (a rebinding answer loses its private entry)', async () => {
      const mixed = [
        { address: '169.254.169.254', family: 4 },
        { address: '93.184.216.34', family: 4 },
      ];
      expect(await lookup(strict, mixed)).to.equal('93.184.216.34');
      expect(await lookup(strict, mixed, true)).to.deep.equal([{ address: '93.184.216.34', family: 4 }]);
    });

    it('fails the connect when every address is refused', async () => {
      let error: unknown;
      await lookup(strict, [{ address: '127.0.0.1', family: 4 }]).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(UrlRefusedError);
      expect(String((error as Error).message))
        .to.contain('host.example')
        .and.contain('127.0.0.1');
    });
  });

  describe('ipv6Groups / embeddedIPv4', () => {
    it('parses compressed forms and trailing dotted quads', () => {
      expect(ipv6Groups('::1')).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 1]);
      expect(ipv6Groups('[::ffff:1.2.3.4]')).to.deep.equal([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
      expect(ipv6Groups('64:ff9b::1.2.3.4')).to.deep.equal([0x64, 0xff9b, 0, 0, 0, 0, 0x0102, 0x0304]);
      expect(ipv6Groups('1.2.3.4')).to.equal(undefined);
    });

    it('extracts mapped, compatible, NAT64 and 6to4 IPv4 addresses only', () => {
      expect(embeddedIPv4('::ffff:7f00:1')).to.equal('127.0.0.1');
      expect(embeddedIPv4('::10.0.0.1')).to.equal('10.0.0.1');
      expect(embeddedIPv4('64:ff9b::c0a8:101')).to.equal('192.168.1.1');
      expect(embeddedIPv4('2002:c0a8:101::1')).to.equal('192.168.1.1');
      expect(embeddedIPv4('2606:4700::1111')).to.equal(undefined);
      expect(embeddedIPv4('::1')).to.equal(undefined);
    });
  });
});
