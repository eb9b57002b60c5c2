/**
 * The application shell: the login page until there is a session, then the navigation (only
 * what the user's `cap` allows) and the page of the current route. The ticket is renewed
 * before it expires; logging out forgets it, logging out everywhere also has the server refuse
 * every ticket issued to the user so far.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { api, describeError, onSessionEnded } from './api.js';
import { Account } from './pages/Account.js';
import { AdminAcl } from './pages/admin/Acl.js';
import { AdminAudit } from './pages/admin/Audit.js';
import { AdminDiagnostics } from './pages/admin/Diagnostics.js';
import { AdminGroups } from './pages/admin/Groups.js';
import { AdminPermissions } from './pages/admin/Permissions.js';
import { AdminPools } from './pages/admin/Pools.js';
import { AdminRealms } from './pages/admin/Realms.js';
import { AdminRoles } from './pages/admin/Roles.js';
import { AdminTokens } from './pages/admin/Tokens.js';
import { AdminTwoFactor } from './pages/admin/TwoFactor.js';
import { AdminUsers } from './pages/admin/Users.js';
import { ConfirmButton } from './pages/admin/buttons.js';
import { FirstRunNotices } from './pages/FirstRun.js';
import { Login } from './pages/Login.js';
import type { PageProps } from './pages/page.js';
import { navigate, useRoute } from './router.js';
import { can, clearSession, loadSession, renew, RENEW_AFTER_MS, type Session } from './session.js';

interface Page {
  readonly route: string;
  readonly title: string;
  readonly show: (session: Session) => boolean;
  readonly render: (props: PageProps) => ReactNode;
}

const PAGES: readonly Page[] = [
  { route: '/account', title: 'My account', show: () => true, render: (p) => <Account {...p} /> },
  {
    route: '/admin/users',
    title: 'Users',
    show: (s) => can(s, 'access', 'User.Modify') || can(s, 'dc', 'Sys.Audit'),
    render: (p) => <AdminUsers {...p} />,
  },
  {
    route: '/admin/groups',
    title: 'Groups',
    // User.Modify: members are changed from the group page.
    show: (s) =>
      can(s, 'access', 'Group.Allocate') ||
      can(s, 'access', 'User.Modify') ||
      can(s, 'dc', 'Sys.Audit'),
    render: (p) => <AdminGroups {...p} />,
  },
  {
    route: '/admin/roles',
    title: 'Roles',
    show: (s) => can(s, 'dc', 'Sys.Audit') || can(s, 'access', 'Permissions.Modify'),
    render: (p) => <AdminRoles {...p} />,
  },
  {
    route: '/admin/acl',
    title: 'Permissions',
    show: (s) => can(s, 'dc', 'Sys.Audit') || can(s, 'access', 'Permissions.Modify'),
    render: (p) => <AdminAcl {...p} />,
  },
  {
    route: '/admin/effective',
    title: 'Effective permissions',
    show: (s) => can(s, 'dc', 'Sys.Audit'),
    render: (p) => <AdminPermissions {...p} />,
  },
  {
    route: '/admin/pools',
    title: 'Pools',
    show: (s) => can(s, 'dc', 'Sys.Audit'),
    render: (p) => <AdminPools {...p} />,
  },
  {
    route: '/admin/realms',
    title: 'Realms',
    show: (s) => can(s, 'access', 'Realm.Allocate') || can(s, 'dc', 'Sys.Audit'),
    render: (p) => <AdminRealms {...p} />,
  },
  {
    route: '/admin/tokens',
    title: 'API tokens',
    show: () => true,
    render: (p) => <AdminTokens {...p} />,
  },
  {
    // Others' factors, as GET /access/tfa shows them; everyone has their own on My account.
    route: '/admin/tfa',
    title: 'Two Factor',
    show: (s) => can(s, 'access', 'User.Modify') || can(s, 'dc', 'Sys.Audit'),
    render: (p) => <AdminTwoFactor {...p} />,
  },
  {
    route: '/admin/diagnostics',
    title: 'Diagnostics',
    show: (s) => can(s, 'dc', 'Sys.Audit'),
    render: (p) => <AdminDiagnostics {...p} />,
  },
  {
    route: '/admin/audit',
    title: 'Audit',
    // The API wants Sys.Audit on /access, which `cap` cannot show (its access section holds
    // only User.*, Group.* and Permissions.Modify); Sys.Audit on / is what Diagnostics asks too.
    show: (s) => can(s, 'dc', 'Sys.Audit'),
    render: (p) => <AdminAudit {...p} />,
  },
];

export function App(): ReactNode {
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const route = useRoute();
  const [logoutError, setLogoutError] = useState<string>();

  // A session revoked elsewhere (log out everywhere, a password change) ends here too.
  useEffect(() => {
    onSessionEnded(() => {
      clearSession();
      setSession(undefined);
    });
    return () => {
      onSessionEnded(undefined);
    };
  }, []);

  useEffect(() => {
    if (!session) return;
    const stored = loadSession();
    const age = stored ? Date.now() - stored.at : 0;
    const timer = setTimeout(
      () => {
        renew(session).then(setSession, () => {
          clearSession();
          setSession(undefined);
        });
      },
      Math.max(0, RENEW_AFTER_MS - age),
    );
    return () => {
      clearTimeout(timer);
    };
  }, [session]);

  if (!session)
    return (
      <Login
        onLogin={(next) => {
          setSession(next);
          if (route === '/' || route === '/login') navigate('/account');
        }}
      />
    );

  const pages = PAGES.filter((p) => p.show(session));
  // A page's own sub-routes (`/admin/users/<userid>`) are the page's to show.
  const page = pages.find((p) => p.route === route || route.startsWith(`${p.route}/`)) ?? pages[0];
  const logout = (): void => {
    clearSession();
    setSession(undefined);
    navigate('/');
  };
  const logoutEverywhere = (): void => {
    api('POST', '/access/tessera/logout').then(
      () => {
        setLogoutError(undefined);
        logout();
      },
      (err: unknown) => {
        setLogoutError(`Not logged out everywhere: ${describeError(err)}`);
      },
    );
  };
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span className="brand">Tessera</span>
        <span className="who">{session.username}</span>
        <button type="button" onClick={logout}>
          Log out
        </button>
        <ConfirmButton
          text="Log out everywhere"
          name="Log out everywhere"
          question="End every session of yours, on every device and browser, this one included?"
          confirm="Log out everywhere"
          onConfirm={logoutEverywhere}
        />
        {logoutError !== undefined ? (
          <span role="alert" className="message error">
            {logoutError}
          </span>
        ) : null}
      </header>
      <nav aria-label="Sections">
        <ul>
          {pages.map((p) => (
            <li key={p.route}>
              <a href={`#${p.route}`} aria-current={p === page ? 'page' : undefined}>
                {p.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <FirstRunNotices session={session} route={route} />
        <h1>{page?.title}</h1>
        {page?.render({ session })}
      </main>
    </div>
  );
}
