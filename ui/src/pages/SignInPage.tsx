import { useState } from 'preact/hooks';
import { errorText } from '../api.js';

/**
 * Sign in with the admin token or a user token. Other sign-in methods (OAuth, issue 13) are added
 * as further sections here; each ends by handing a bearer token to `onSignIn`.
 */
export function SignInPage(props: { onSignIn: (token: string) => Promise<unknown> }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
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
