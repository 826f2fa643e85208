import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Google's OAuth endpoints on 127.0.0.1 (the edge of the world, so a fake is fine):
 * /authorize plays the consent screen (the user clicks "Allow": 302 back with a one-time code),
 * /token exchanges a code once, for the right client secret, for fresh random tokens.
 */
export interface FakeGoogle {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every token it handed out (for canary checks). */
  readonly issued: string[];
  close(): Promise<void>;
}

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const clientId = `client-${randomUUID()}.apps.example.test`;
  const clientSecret = `GOCSPX-${randomUUID()}`;
  const codes = new Set<string>();
  const issued: string[] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const redirect = url.searchParams.get('redirect_uri');
      if (url.searchParams.get('client_id') !== clientId || !redirect) {
        res.writeHead(400).end('bad client');
        return;
      }
      const code = `4/${randomUUID()}`;
      codes.add(code);
      const back = new URL(redirect);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const code = form.get('code') ?? '';
        if (!codes.delete(code) || form.get('client_secret') !== clientSecret) {
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: 'invalid_grant' }));
          return;
        }
        const tokens = {
          access_token: `ya29.${randomUUID()}`,
          refresh_token: `1//${randomUUID()}`,
          expires_in: 3599,
          token_type: 'Bearer',
          scope: 'gmail.readonly',
        };
        issued.push(tokens.access_token, tokens.refresh_token);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tokens));
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    clientId,
    clientSecret,
    issued,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
