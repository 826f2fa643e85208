import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../api.js';
import { oauthMetadata, startOAuthSignIn } from '../oauthSignIn.js';

type Metadata = NonNullable<Awaited<ReturnType<typeof oauthMetadata>>>;

/**
 * Sign in with the gateway's OAuth sign-in (its authorization server, federated to the identity
 * provider when one is configured) where it runs, or with the admin token or a user token. Both
 * end with a bearer token handed to `onSignIn`.
 */
export function SignInPage(props: {
  onSignIn: (token: string) => Promise<unknown>;
  initialError?: string | undefined;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(props.initialError);
  const [busy, setBusy] = useState(false);
  const [oauth, setOauth] = useState<Metadata | undefined>(undefined);
  useEffect(() => {
    void oauthMetadata().then(setOauth);
  }, []);
  const viaOAuth = (): void => {
    setBusy(true);
    startOAuthSignIn(oauth as Metadata).catch((e: unknown) => {
      setError(`Sign-in failed: ${errorText(e)}`);
      setBusy(false);
    });
  };
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.onSignIn(token.trim());
    } catch (err) {
      setError(`Sign-in failed: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>Sign in to mcp-api</h1>
      {oauth && (
        <section aria-labelledby="oauth-title" class="panel">
          <h2 id="oauth-title">With your account</h2>
          <p>
            Through the gateway&apos;s sign-in page (your organisation&apos;s identity provider, if
            configured).
          </p>
          <button type="button" onClick={viaOAuth} disabled={busy}>
            Sign in with your account
          </button>
        </section>
      )}
      {oauth && <h2>With a token</h2>}
      <form onSubmit={submit}>
        <label for="token">Access token (the admin token or a user token)</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <p class="hint">
        The token stays in this tab only (sessionStorage) and is sent as a Bearer header; signing out forgets
        it.
      </p>
    </main>
  );
}
