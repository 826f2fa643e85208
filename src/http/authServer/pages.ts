import type { Context } from 'koa';

/** The one scope the gateway as a resource server knows; what MCP clients ask for. */
export const MCP_SCOPE = 'mcp';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const h = escapeHtml;

/**
 * Headers of every sign-in and consent page: never framed (clickjacking), never cached, no referrer
 * to other sites. `same-origin`, not `no-referrer`: under no-referrer a browser posts the page's own
 * forms with `Origin: null`, which the origin guard refuses (found by the console's Chromium test).
 */
export function pageHeaders(ctx: Context): void {
  ctx.set(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  );
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.type = 'html';
}

const layout = (title: string, body: string): string =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${h(title)}</title>` +
  '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}' +
  'dt{font-weight:600;margin-top:.6rem}code{word-break:break-all}button{margin:.3rem .6rem 0 0;padding:.4rem ' +
  '1rem}</style>' +
  `</head><body><h1>${h(title)}</h1>${body}</body></html>`;

export interface LoginPage {
  readonly uid: string;
  readonly csrf: string;
  readonly clientName: string;
  readonly federationIssuer?: string;
}

export function loginPage(p: LoginPage): string {
  const idp = p.federationIssuer
    ? `<p><a href="/oauth/interaction/${h(p.uid)}/federate">Sign in with ` +
      `${h(new URL(p.federationIssuer).host)}</a></p><p>or</p>`
    : '';
  return layout(
    'Sign in to mcp-api',
    `<p><strong>${h(p.clientName)}</strong> wants to use the gateway on your behalf.</p>${idp}` +
      `<form method="post" action="/oauth/interaction/${h(p.uid)}/login">` +
      `<input type="hidden" name="csrf" value="${h(p.csrf)}">` +
      '<label>Your mcp-api user token <input type="password" name="token" autocomplete="off" required></label>' +
      '<button type="submit">Sign in</button></form>',
  );
}

export interface ConsentPage {
  readonly uid: string;
  readonly csrf: string;
  readonly username: string;
  readonly clientId: string;
  readonly clientName?: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
}

export function consentPage(p: ConsentPage): string {
  const redirect = new URL(p.redirectUri);
  return layout(
    'Allow access?',
    `<p>Signed in as <strong>${h(p.username)}</strong>.</p>` +
      `<p><strong>${h(p.clientName ?? p.clientId)}</strong> asks to use mcp-api as you: to list and call the tools ` +
      `you may use, with your stored secrets.</p>` +
      '<dl>' +
      `<dt>Client</dt><dd><code>${h(p.clientId)}</code></dd>` +
      `<dt>Sends you back to</dt><dd><code>${h(p.redirectUri)}</code> (host ` +
      `<strong>${h(redirect.host)}</strong>)</dd>` +
      `<dt>Scopes</dt><dd>${p.scopes.length ? p.scopes.map((s) => `<code>${h(s)}</code>`).join(' ') : '(none)'}</dd>` +
      `<dt>Resource</dt><dd>${p.resources.map((r) => `<code>${h(r)}</code>`).join(' ')}</dd>` +
      '</dl>' +
      `<form method="post" action="/oauth/interaction/${h(p.uid)}/confirm"><input type="hidden" name="csrf" ` +
      `value="${h(p.csrf)}">` +
      '<button type="submit" name="decision" value="allow">Allow</button>' +
      '<button type="submit" name="decision" value="deny">Deny</button></form>' +
      '<p>Only allow clients you started yourself. You can revoke access later (GET/DELETE /auth/clients).</p>',
  );
}

export const errorPage = (message: string): string => layout('Sign-in failed', `<p>${h(message)}</p>`);
