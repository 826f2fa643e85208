import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { local, TTL_MS, useGoogleLogin } from './googleLogin.js';

describe('Google OAuth2 login links: reauth_required, POST /auth/google/link and the owner check', () => {
  const login = useGoogleLogin();
  const { tokenFor, flowFrom, consent, callback } = login;

  /** Opens a link in a browser without a token: the confirmation page, answered with the link user's token. */
  const confirmed = async (
    linkUrl: string,
    token: string,
  ): Promise<{ status: number; text: string; headers: Headers }> => {
    const { gw } = login;
    const url = new URL(linkUrl);
    const page = await gw.request('GET', local(gw, linkUrl), undefined, { token: null });
    expect(page.status, page.text).to.equal(200);
    const confirm = await confirmForm(gw.url, url, page.text, token);
    expect(confirm.status).to.equal(303);
    return gw.request('GET', String(confirm.headers.get('location')), undefined, {
      token: null,
      headers: { cookie: ownerCookie(confirm.headers) },
    });
  };

  it('answers 401 reauth_required with a login URL that works in the user’s browser once confirmed', async () => {
    const { gw } = login;
    const denied = await gw.request('POST', '/mcp/tool/call', {
      username: 'dave',
      serverName: 'gmail',
      methodName: 'list_messages',
      args: {},
    });
    expect(denied.status).to.equal(401);
    expect(denied.body).to.include({
      code: 'reauth_required',
      reauthRequired: true,
      serverName: 'gmail',
      username: 'dave',
    });
    const loginUrl = String(denied.body.authorizationUrl);
    const flow = flowFrom(await confirmed(loginUrl, (await gw.issueToken('dave')).token));
    expect((await callback(await consent(flow))).status).to.equal(200);
    const ok = await gw.request('POST', '/mcp/tool/call', {
      username: 'dave',
      serverName: 'gmail',
      methodName: 'list_messages',
      args: {},
    });
    expect(ok.status, ok.text).to.equal(200);
  });

  it('lets a login link start the flow only for its own user and server', async () => {
    const { gw } = login;
    const link = await gw.request(
      'POST',
      '/auth/google/link',
      { serverName: 'gmail' },
      { token: tokenFor.bob as string },
    );
    expect(link.status, link.text).to.equal(200);
    const url = new URL(String(link.body.url));
    expect(url.searchParams.get('user_id')).to.equal('bob');
    const other = new URL(url);
    other.searchParams.set('user_id', 'alice');
    expect(
      (await gw.request('GET', other.pathname + other.search, undefined, { token: null })).status,
    ).to.equal(403);
    const tampered = new URL(url);
    tampered.searchParams.set('link', `${String(url.searchParams.get('link')).slice(0, -2)}AA`);
    expect(
      (await gw.request('GET', tampered.pathname + tampered.search, undefined, { token: null })).status,
    ).to.equal(401);
    // The browser that asked for the link with bob's token carries the owner cookie: straight to Google.
    const owner = { cookie: ownerCookie(link.headers) };
    expect(
      (await gw.request('GET', url.pathname + url.search, undefined, { token: null, headers: owner })).status,
    ).to.equal(302);
    login.skewMs = TTL_MS + 1000;
    expect(
      (await gw.request('GET', url.pathname + url.search, undefined, { token: null, headers: owner })).status,
    ).to.equal(401);
  });

  it("does not attach another person's Google account to the user a link was made for", async () => {
    const { gw } = login;
    const made = await gw.request(
      'POST',
      '/auth/google/link',
      { serverName: 'gmail' },
      {
        token: tokenFor.bob as string,
      },
    );
    const url = new URL(String(made.body.url));
    const startsForBob = async (): Promise<number> =>
      (await readFile(join(gw.dataDir, 'events', 'events.log'), 'utf8'))
        .split('\n')
        .filter((l) => l.includes('GoogleLoginStarted') && l.includes('"bob"')).length;
    const before = await startsForBob();
    // Opened in someone else's browser: a page naming bob that asks for bob's token; no login starts.
    const page = await gw.request('GET', url.pathname + url.search, undefined, { token: null });
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('Connect a Google account to gateway user bob?');
    expect(page.headers.get('location')).to.equal(null);
    const form = (token: string): Promise<Response> => confirmForm(gw.url, url, page.text, token);
    const alice = await form(tokenFor.alice as string);
    expect(alice.status).to.equal(403);
    expect(alice.headers.getSetCookie().join()).to.not.contain('mcp_link_owner');
    expect(await startsForBob()).to.equal(before);
    // Bob himself confirms with his token: the link continues to Google.
    const bob = await form(tokenFor.bob as string);
    expect(bob.status).to.equal(303);
    const next = await gw.request('GET', String(bob.headers.get('location')), undefined, {
      token: null,
      headers: { cookie: ownerCookie(bob.headers) },
    });
    expect(next.status).to.equal(302);
    expect(String(next.headers.get('location'))).to.contain('/authorize?'); // the (fake) Google consent
  });
});

/** Submits a link's confirmation page (`page`, the HTML of `GET linkUrl`) with `token`, as its form would. */
function confirmForm(base: string, linkUrl: URL, page: string, token: string): Promise<Response> {
  return fetch(`${base}/auth/link/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      next: 'google',
      link: String(linkUrl.searchParams.get('link')),
      csrf: /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '',
      token,
    }).toString(),
    redirect: 'manual',
  });
}

/** The `mcp_link_owner=...` pair a response set (what a browser would send back). */
function ownerCookie(headers: Headers): string {
  const pair = headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('mcp_link_owner='));
  if (!pair) throw new Error('no owner cookie set');
  return pair;
}
