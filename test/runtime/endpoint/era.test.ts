import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { isLegacyRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import { eraOf, isModernRequest } from '../../../src/runtime/endpoint/era.js';

const CLAIM = PROTOCOL_VERSION_META_KEY;
const envelope = (version: unknown = '2026-07-28'): Record<string, unknown> => ({
  [CLAIM]: version,
  'io.modelcontextprotocol/clientInfo': { name: 'c', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
});

/** Bodies around the edges of the SDK's rules: claims, no claims, and every shape the claim may hide in. */
function bodies(): unknown[] {
  const params = [
    undefined,
    null,
    [],
    'x',
    {},
    { _meta: {} },
    { _meta: [] },
    { _meta: null },
    { _meta: { [CLAIM]: 7 } },
    { _meta: envelope() },
    { _meta: envelope('2025-06-18') },
    { _meta: envelope('1999-01-01') },
    { _meta: { [CLAIM]: '2026-07-28' } },
    { name: 'fixture__echo', arguments: { a: 1 }, _meta: envelope() },
  ];
  const shapes: unknown[] = [undefined, null, 'text', 42, [], {}];
  for (const p of params) {
    for (const method of [
      'tools/call',
      'initialize',
      'notifications/initialized',
      'subscriptions/listen',
      7,
    ]) {
      shapes.push({ jsonrpc: '2.0', id: 1, method, ...(p === undefined ? {} : { params: p }) });
      shapes.push({ jsonrpc: '2.0', method, ...(p === undefined ? {} : { params: p }) });
      shapes.push({ jsonrpc: '1.0', id: 1, method, params: p });
      shapes.push({ jsonrpc: '2.0', id: 1, method, params: p, result: {} });
      shapes.push({ jsonrpc: '2.0', id: 1, method, params: p, error: { code: 1, message: 'm' } });
      shapes.push([{ jsonrpc: '2.0', id: 1, method, params: p }]);
    }
    shapes.push({ jsonrpc: '2.0', id: 1, result: {}, params: p });
    for (const id of ['a', '', 0, -3, 1.5, 2 ** 60, null, true, {}]) {
      shapes.push({ jsonrpc: '2.0', id, method: 'tools/list', ...(p === undefined ? {} : { params: p }) });
    }
    shapes.push({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: p, extra: 1 });
    shapes.push({ id: 1, method: 'tools/list', params: p });
  }
  return shapes;
}

const HEADER_SETS: Array<Record<string, string>> = [
  {},
  { 'mcp-protocol-version': '2026-07-28' },
  { 'mcp-protocol-version': '2025-06-18' },
  { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'fixture__echo' },
  { 'mcp-method': 'ping' },
  { 'mcp-protocol-version': '2027-01-01' },
  { 'mcp-protocol-version': '2025-06-18, 2025-06-18' },
  { 'mcp-protocol-version': 'not a version' },
];

const nodeRequest = (method: string, headers: Record<string, string>): IncomingMessage =>
  ({ method, url: '/mcp', headers: { 'content-type': 'application/json', ...headers } }) as IncomingMessage;

const webRequest = (method: string, headers: Record<string, string>): Request =>
  new Request('http://localhost/mcp', {
    method,
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('the /mcp era decision', () => {
  it("agrees with the SDK's isLegacyRequest on every body, method and header set", async () => {
    const shortcuts = { modern: 0, legacy: 0 };
    let checked = 0;
    for (const body of bodies()) {
      for (const method of ['POST', 'GET', 'DELETE']) {
        for (const headers of HEADER_SETS) {
          if (body === undefined && method === 'POST') continue; // a POST's body always comes parsed
          const legacy = await isLegacyRequest(webRequest(method, headers), body);
          const what = `${method} ${JSON.stringify(headers)} ${JSON.stringify(body)}`;
          expect(await isModernRequest(nodeRequest(method, headers), body), what).to.equal(!legacy);
          const era = eraOf(method, headers['mcp-protocol-version'], body);
          if (era !== undefined) {
            shortcuts[era]++;
            expect(era, `decided without the SDK: ${what}`).to.equal(legacy ? 'legacy' : 'modern');
          }
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(4000);
    expect(shortcuts.modern).to.be.greaterThan(100);
    expect(shortcuts.legacy).to.be.greaterThan(1000);
  });

  it("decides an everyday call of either era without the SDK's predicate", () => {
    const call = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 't', _meta: envelope() } };
    expect(eraOf('POST', '2026-07-28', call)).to.equal('modern');
    expect(eraOf('POST', undefined, { ...call, method: 'initialize' })).to.equal(undefined);
    const legacy = { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 't', arguments: {} } };
    expect(eraOf('POST', '2025-06-18', legacy)).to.equal('legacy');
    expect(eraOf('POST', '2026-07-28', legacy)).to.equal(undefined);
    expect(eraOf('GET', undefined, undefined)).to.equal('legacy');
  });
});
