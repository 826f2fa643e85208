import { expect } from 'chai';
import { useFuzzGateway } from './fuzzSupport.js';

describe('fuzz: a body nested past the depth limit (POST /mcp/tool/call)', function () {
  this.timeout(180_000);
  const fz = useFuzzGateway();

  it('refuses a well-formed body nested deeper than 64 levels before it reaches a tool (400)', async () => {
    const gw = fz.gw;
    // Written as text: JSON.stringify itself would overflow the stack on this.
    const args = '{"a":'.repeat(5000) + '{"message":"deep"}' + '}'.repeat(5000);
    const res = await gw.request(
      'POST',
      '/mcp/tool/call',
      `{"serverName":"fz","methodName":"echo_args","args":${args}}`,
    );
    expect(res.status).to.equal(400);
    expect(res.body.error).to.equal('Request body is nested deeper than 64 levels');
    let ok: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i++) ok = { a: ok };
    expect(
      (await gw.request('POST', '/mcp/tool/call', { serverName: 'fz', methodName: 'echo_args', args: ok }))
        .status,
    ).to.equal(200);
  });
});
