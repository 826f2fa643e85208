/**
 * Just enough of a browser to drive sign-in and consent pages with fetch: a cookie jar per host
 * (cookie paths ignored, as the flows here do not depend on them), manual redirects, and forms
 * submitted with their hidden fields. `stopAt` ends a navigation at a redirect to a matching URL
 * (an MCP client's redirect URI, which no server listens on).
 */
export class TestBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  constructor(private readonly stopAt: (url: URL) => boolean = () => false) {}

  async fetch(
    url: string,
    init: RequestInit = {},
  ): Promise<{ url: URL; status: number; text: string; headers: Headers }> {
    let current = new URL(url);
    let request = init;
    for (let hops = 0; hops < 20; hops++) {
      if (this.stopAt(current)) return { url: current, status: 0, text: '', headers: new Headers() };
      const headers = new Headers(request.headers);
      const cookies = this.jar.get(current.host);
      if (cookies?.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
      const res = await fetch(current, { ...request, headers, redirect: 'manual' });
      this.store(current.host, res.headers);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        current = new URL(location, current);
        request = {};
        continue;
      }
      return { url: current, status: res.status, text: await res.text(), headers: res.headers };
    }
    throw new Error('too many redirects');
  }

  /** Submits the form on `page` (the one whose action matches, else the first) with `fields` over its hidden inputs. */
  async submit(
    page: { url: URL; text: string },
    fields: Record<string, string>,
    action?: RegExp,
  ): Promise<{ url: URL; status: number; text: string; headers: Headers }> {
    const forms = [...page.text.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
    const form = forms.find((f) => !action || action.test(f[1] ?? '')) ?? forms[0];
    if (!form) throw new Error(`no form on ${page.url.href}: ${page.text.slice(0, 300)}`);
    const body = new URLSearchParams();
    for (const input of (form[2] ?? '').matchAll(
      /<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g,
    ))
      body.set(input[1] ?? '', decode(input[2] ?? ''));
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    const target = new URL(decode(form[1] ?? ''), page.url);
    return this.fetch(target.href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  }

  /** The Cookie header this browser would send to `url` (to replay a request outside `fetch`). */
  cookieHeader(url: string): string {
    return [...(this.jar.get(new URL(url).host) ?? new Map<string, string>())]
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  }

  private store(host: string, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair?.indexOf('=') ?? -1;
      if (!pair || at <= 0) continue;
      let cookies = this.jar.get(host);
      if (!cookies) this.jar.set(host, (cookies = new Map()));
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  }
}

const decode = (s: string): string =>
  s
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"');
