import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { errorText } from './api.js';
import { AuditPage } from './pages/AuditPage.js';
import { ClientsPage } from './pages/ClientsPage.js';
import { GroupsPage } from './pages/GroupsPage.js';
import { PolicyPage } from './pages/PolicyPage.js';
import { HealthPage } from './pages/HealthPage.js';
import { PackagesPage } from './pages/PackagesPage.js';
import { PlaygroundPage } from './pages/PlaygroundPage.js';
import { SecretsPage } from './pages/SecretsPage.js';
import { ServerPage } from './pages/ServerPage.js';
import { ServersPage } from './pages/ServersPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { UsersPage } from './pages/UsersPage.js';
import { finishOAuthSignIn, revokeOAuthToken } from './oauthSignIn.js';
import { forgetToken, signIn, storedToken, type Session } from './session.js';

interface NavItem {
  readonly path: string;
  readonly label: string;
  readonly adminOnly?: boolean;
}
const NAV: readonly NavItem[] = [
  { path: 'servers', label: 'Servers' },
  { path: 'packages', label: 'Packages', adminOnly: true },
  { path: 'users', label: 'Users and tokens', adminOnly: true },
  { path: 'groups', label: 'Users and groups', adminOnly: true },
  { path: 'policy', label: 'Access policy', adminOnly: true },
  { path: 'secrets', label: 'My secrets' },
  { path: 'clients', label: 'Connected clients' },
  { path: 'audit', label: 'Audit', adminOnly: true },
  { path: 'playground', label: 'Playground' },
  { path: 'health', label: 'Health' },
];

/** Hash routes (#/servers/x): the gateway serves one page, so reloads and links need no server routing. */
const currentRoute = (): string[] =>
  location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);

function App() {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const returning = /[?&](code|error)=/.test(location.search);
  const [restoring, setRestoring] = useState(storedToken() !== null || returning);
  const [signInError, setSignInError] = useState<string | undefined>(undefined);
  const [route, setRoute] = useState(currentRoute());
  const signOut = (): void => {
    const token = storedToken();
    if (token) void revokeOAuthToken(token);
    forgetToken();
    setSession(undefined);
  };
  useEffect(() => {
    const onHash = (): void => setRoute(currentRoute());
    addEventListener('hashchange', onHash);
    if (returning)
      finishOAuthSignIn()
        .then((token) => (token ? signIn(token, signOut).then(setSession) : undefined))
        .catch((e: unknown) => setSignInError(`Sign-in failed: ${errorText(e)}`))
        .finally(() => setRestoring(false));
    else {
      const token = storedToken();
      if (token)
        signIn(token, signOut)
          .then(setSession, () => forgetToken())
          .finally(() => setRestoring(false));
    }
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.title = `${NAV.find((n) => n.path === route[0])?.label ?? 'Sign in'} · mcp-api console`;
  }, [route, session]);

  if (restoring) return <p>Signing in…</p>;
  if (!session)
    return (
      <SignInPage onSignIn={(token) => signIn(token, signOut).then(setSession)} initialError={signInError} />
    );
  const admin = session.role === 'admin';
  const [page = 'servers', arg] = route;
  const items = NAV.filter((n) => admin || !n.adminOnly);
  const allowed = admin || !NAV.find((n) => n.path === page)?.adminOnly;
  return (
    <>
      <header class="top">
        <p class="brand">mcp-api console</p>
        <nav aria-label="Main">
          <ul>
            {items.map((n) => (
              <li key={n.path}>
                <a href={`#/${n.path}`} aria-current={page === n.path ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p class="who">
          Signed in as <strong>{admin ? 'admin' : session.username}</strong>{' '}
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </p>
      </header>
      <main>{allowed ? pageFor(session, page, arg) : <h1>This page is for admins</h1>}</main>
    </>
  );
}

function pageFor(session: Session, page: string, arg: string | undefined) {
  switch (page) {
    case 'servers':
      return arg ? <ServerPage session={session} name={arg} /> : <ServersPage session={session} />;
    case 'packages':
      return <PackagesPage session={session} />;
    case 'users':
      return <UsersPage session={session} />;
    case 'groups':
      return <GroupsPage session={session} />;
    case 'policy':
      return <PolicyPage session={session} />;
    case 'clients':
      return <ClientsPage session={session} />;
    case 'secrets':
      return <SecretsPage session={session} />;
    case 'audit':
      return <AuditPage session={session} />;
    case 'playground':
      return <PlaygroundPage session={session} {...(arg === undefined ? {} : { server: arg })} />;
    case 'health':
      return <HealthPage session={session} />;
    default:
      return <h1>Not found</h1>;
  }
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  try {
    render(<App />, root);
  } catch (e) {
    root.textContent = `The console failed to start: ${errorText(e)}`;
  }
}
