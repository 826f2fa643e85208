import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { TTL_MS, useGoogleLogin } from './googleLogin.js';

describe('Google OAuth2 login: consent, callback and its one-time state', () => {
  const login = useGoogleLogin();
  const { tokenFor, startLogin, consent, callback, listMessages } = login;

  it('runs login → consent → callback → tool call end to end, injecting the hidden parameters', async () => {
    const { google, credentials } = login;
    const flow = await startLogin('alice');
    const { authorize } = flow;
    expect(`${authorize.origin}${authorize.pathname}`).to.equal(`${google.url}/authorize`);
    const state = authorize.searchParams.get('state') as string;
    // The tool put a JSON {userId} state in the URL; the gateway replaced it with its own random one.
    expect(state).to.match(/^[A-Za-z0-9_-]{43}$/);

    const done = await callback(await consent(flow));
    expect(done.status, done.text).to.equal(200);
    expect(done.headers.get('content-type')).to.contain('text/html');
    expect(done.text).to.contain('Google account connected');

    const call = await listMessages('alice');
    expect(call.status, call.text).to.equal(200);
    const received = JSON.parse(
      (call.body.data as { content: Array<{ text: string }> }).content[0]!.text,
    ) as Record<string, unknown>;
    expect(received.query).to.equal('is:unread');
    const userCredentials = received.userCredentials as Record<string, unknown>;
    expect(google.issued).to.include(userCredentials.access_token);
    expect(google.issued).to.include(userCredentials.refresh_token);
    expect(received.gauthFileContent).to.deep.equal(credentials);
  });

  it('refuses a forged, a replayed and an expired state with 400 and stores nothing for them', async () => {
    const { gw } = login;
    const forged = await gw.request(
      'GET',
      `/auth/google/callback?code=4/x&state=${'A'.repeat(43)}`,
      undefined,
      { token: null },
    );
    expect(forged.status).to.equal(400);
    expect(forged.body.code).to.equal('invalid_oauth_state');
    const junk = await gw.request(
      'GET',
      `/auth/google/callback?code=4/x&state=${encodeURIComponent('{"userId":"alice"}')}`,
      undefined,
      { token: null },
    );
    expect(junk.status).to.equal(400);
    expect(junk.body.code).to.equal('invalid_oauth_state');

    const back = await consent(await startLogin('carol'));
    expect((await callback(back)).status).to.equal(200);
    const replay = await callback(back);
    expect(replay.status).to.equal(400);
    expect(String(replay.body.error)).to.contain('already used');

    const late = await consent(await startLogin('bob'));
    login.skewMs = TTL_MS + 1000;
    const expired = await callback(late);
    expect(expired.status).to.equal(400);
    expect(String(expired.body.error)).to.contain('expired');
    login.skewMs = 0;
    expect((await listMessages('bob')).body.code).to.equal('reauth_required');
  });

  it('refuses to start a login for another user (403) or without any credential (401)', async () => {
    const { gw } = login;
    const other = await gw.request('GET', '/auth/google/login?server=gmail&user_id=alice', undefined, {
      token: tokenFor.bob as string,
    });
    expect(other.status).to.equal(403);
    const none = await gw.request('GET', '/auth/google/login?server=gmail&user_id=alice', undefined, {
      token: null,
    });
    expect(none.status).to.equal(401);
    const asAdmin = await gw.request('GET', '/auth/google/login?user_id=alice');
    expect(asAdmin.status).to.equal(302);
  });

  it('burns the state when Google reports the user declined', async () => {
    const { authorize, cookie } = await startLogin('carol');
    const state = authorize.searchParams.get('state') as string;
    const declined = await callback({
      back: `/auth/google/callback?error=access_denied&state=${state}`,
      cookie,
    });
    expect(declined.status).to.equal(400);
    expect(String(declined.body.error)).to.contain('access_denied');
    const again = await callback({ back: `/auth/google/callback?code=4/x&state=${state}`, cookie });
    expect(String(again.body.error)).to.contain('already used');
  });

  it(
    'refuses a callback in a browser that did not start the login (login CSRF), ' +
      'without spending the state',
    async () => {
      // Mallory starts a login for her own user and sends Google's URL to Alice; Alice's browser has no cookie.
      const mallory = await consent(await startLogin('carol'));
      const inAlicesBrowser = await callback({ back: mallory.back });
      expect(inAlicesBrowser.status).to.equal(400);
      expect(String(inAlicesBrowser.body.error)).to.contain('this browser did not start this login');
      const forgedCookie = mallory.cookie.replace(/=.*/, `=${'A'.repeat(43)}`);
      expect((await callback({ back: mallory.back, cookie: forgedCookie })).status).to.equal(400);
      expect(
        (await callback(mallory)).status,
        'the state still works in the browser that started it',
      ).to.equal(200);
    },
  );

  it('keeps Google tokens and the client secret out of logs and event records', async () => {
    const { gw, google } = login;
    expect(google.issued.length).to.be.greaterThan(0);
    const eventLog = await readFile(`${gw.dataDir}/events/events.log`, 'utf8');
    expect(eventLog).to.contain('GoogleLoginStarted');
    for (const value of [...google.issued, google.clientSecret]) {
      expect(eventLog).to.not.contain(value);
      for (const line of gw.logs) expect(line).to.not.contain(value);
    }
  });
});
