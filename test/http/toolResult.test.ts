import { expect } from 'chai';
import { authorizationUrlIn, isAcceptableRedirect, tokenObjectIn } from '../../src/http/toolResult.js';

const text = (t: string) => ({ content: [{ type: 'text', text: t }] });

describe('reading auth_* tool results', () => {
  it('finds the authorization URL in structured content, JSON text, a bare URL, or a sentence', () => {
    expect(
      authorizationUrlIn({ content: [], structuredContent: { authorizationUrl: 'https://a.example/x' } }),
    ).to.equal('https://a.example/x');
    expect(authorizationUrlIn(text('{"auth_url":"https://b.example/y"}'))).to.equal('https://b.example/y');
    expect(authorizationUrlIn(text('https://c.example/z?a=1&b=2'))).to.equal('https://c.example/z?a=1&b=2');
    expect(authorizationUrlIn(text('Please visit https://d.example/consent?x=1 to continue.'))).to.equal(
      'https://d.example/consent?x=1',
    );
    expect(authorizationUrlIn(text('no url here'))).to.equal(undefined);
    expect(authorizationUrlIn({ content: 'not an array' })).to.equal(undefined);
  });

  it('finds the token object in structured content or the first JSON-object text', () => {
    expect(tokenObjectIn({ content: [], structuredContent: { access_token: 'a' } })).to.deep.equal({
      access_token: 'a',
    });
    expect(
      tokenObjectIn({
        content: [
          { type: 'text', text: 'Tokens:' },
          { type: 'text', text: '{"refresh_token":"r"}' },
        ],
      }),
    ).to.deep.equal({ refresh_token: 'r' });
    expect(tokenObjectIn(text('["not","an","object"]'))).to.equal(undefined);
  });

  it('redirects only to https, or to http on loopback', () => {
    expect(isAcceptableRedirect('https://accounts.google.com/o/oauth2/auth')?.hostname).to.equal(
      'accounts.google.com',
    );
    expect(isAcceptableRedirect('http://127.0.0.1:9/authorize')).to.not.equal(undefined);
    for (const bad of [
      'http://accounts.google.com/',
      'javascript:alert(1)',
      'data:text/html,x',
      '//evil.example',
      'not a url',
    ])
      expect(isAcceptableRedirect(bad), bad).to.equal(undefined);
  });
});
