import { expect } from 'chai';
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { mapCallError, type CallFailure } from '../../../src/runtime/calls/callErrors.js';
import { RESULT_TOO_LARGE_CODE } from '../../../src/runtime/stdio/stdioProcessTransport.js';

const base: CallFailure = {
  server: 'srv',
  tool: 'tool',
  timeoutMs: 1000,
  timedOut: false,
  callerAborted: false,
  stopped: false,
};

describe('mapCallError', () => {
  for (const transport of ['stdio', 'remote'] as const) {
    it(`passes an upstream JSON-RPC error through once, without "MCP error" prefixes (${transport})`, () => {
      const error = new ProtocolError(-32602, 'MCP error -32602: MCP error -32602: bad cursor');
      const mapped = mapCallError(error, base, transport);
      expect(mapped.code).to.equal('upstream_error');
      expect(mapped.message).to.equal('Server srv returned an error for tool tool: bad cursor');
      expect(mapped.details.upstreamCode).to.equal(-32602);
    });

    it(
      `maps the SDK's timeout to upstream_timeout ` +
        `and our caller's abort to client_closed_request (${transport})`,
      () => {
        const timeout = new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out');
        expect(mapCallError(timeout, base, transport).code).to.equal('upstream_timeout');
        expect(mapCallError(timeout, { ...base, callerAborted: true }, transport).code).to.equal(
          'client_closed_request',
        );
      },
    );

    it(`maps an oversized result to result_too_large naming size and limit (${transport})`, () => {
      const error = new ProtocolError(RESULT_TOO_LARGE_CODE, 'too large', {
        reason: 'result_too_large',
        size: 5000,
        limit: 1000,
      });
      const mapped = mapCallError(error, base, transport);
      expect(mapped.code).to.equal('result_too_large');
      expect(mapped.status).to.equal(502);
      expect(mapped.message).to.equal(
        'Tool tool on server srv returned 5000 bytes, over the limit of 1000 bytes',
      );
      expect(mapped.details).to.include({ size: 5000, limit: 1000 });
    });
  }

  it('reports the exit of a stdio server that died during the call', () => {
    const closed = new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed');
    const mapped = mapCallError(
      closed,
      { ...base, connectionLost: true, exit: { code: 3, signal: null } },
      'stdio',
    );
    expect(mapped.code).to.equal('upstream_crashed');
    expect(mapped.message).to.equal('Server srv exited (code 3) while tool tool was running');
  });

  it('keeps the HTTP status of a remote transport failure', () => {
    const http = new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, 'Error POSTing to endpoint', {
      status: 500,
      statusText: 'Internal Server Error',
    });
    const mapped = mapCallError(http, base, 'remote');
    expect(mapped.code).to.equal('upstream_error');
    expect(mapped.details.httpStatus).to.equal(500);
  });
});
