import { render, type FunctionComponent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { atLeast, call, onSessionEnded, setCsrfToken, type Session } from './api';
import { ChannelsPage } from './channels';
import { InvitationPage } from './invitation';
import { LoginPage } from './login';
import { MaintenancePage } from './maintenance';
import { MembersPage } from './members';
import { MonitorsPage } from './monitors';
import { NewMonitorPage } from './new-monitor';
import { monitorIdOf, navigate, onLink, ROUTES, usePath, type Route } from './router';
import { SettingsPage } from './settings';
import { SetupPage } from './setup';
import { SignupPage } from './signup';
import { StatusPagesPage } from './status-pages';
import { strings } from '../../src/catalog';
import './style.css';

/**
 * Where a visitor belongs: setup while the server has no owner, login (or sign-up, when asked
 * for) without a session.
 */
function routeFor(session: Session, path: string): Route {
  if (path === ROUTES.invitation) return ROUTES.invitation;
  if (!session.user) {
    if (session.setupOpen) return ROUTES.setup;
    return path === ROUTES.signup ? ROUTES.signup : ROUTES.login;
  }
  // A viewer has no edit pages: it reads only.
  if (path === ROUTES.newMonitor && atLeast(session.user.role, 'member')) return ROUTES.newMonitor;
  if (path === ROUTES.members) return ROUTES.members;
  if (path === ROUTES.settings) return ROUTES.settings;
  if (path === ROUTES.statusPages) return ROUTES.statusPages;
  if (path === ROUTES.channels) return ROUTES.channels;
  if (path === ROUTES.maintenance) return ROUTES.maintenance;
  if (monitorIdOf(path) !== undefined) return path as Route;
  return ROUTES.monitors;
}

/**
 * The monitor page with its chart library, loaded when first shown: the list, which most
 * visits start at, does not wait for them.
 */
function LazyMonitorPage({ id, canEdit }: { id: string; canEdit: boolean }) {
  const [page, setPage] = useState<
    FunctionComponent<{ id: string; canEdit: boolean }> | Error | undefined
  >(undefined);
  useEffect(() => {
    import('./monitor-page').then(
      (module) => setPage(() => module.MonitorPage),
      (error: unknown) => setPage(error instanceof Error ? error : new Error(String(error))),
    );
  }, []);
  if (page instanceof Error) return <p role="alert">{strings.errors.network}</p>;
  if (!page) return <p>{strings.loading}</p>;
  const Page = page;
  return <Page id={id} canEdit={canEdit} />;
}

/** Puts the focus on the page's heading, where its content starts. */
function focusHeading() {
  document.querySelector<HTMLElement>('main h1')?.focus();
}

function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  const [setupEmail, setSetupEmail] = useState<string | undefined>(undefined);
  // The node's setting, not the session's: it stays after a logout.
  const [signupOpen, setSignupOpen] = useState(false);
  const start = (next: Session) => {
    setCsrfToken(next.csrfToken);
    setSession(next);
  };
  /** The session as the server has it now (after joining or switching an account). */
  const reload = () =>
    call<Session>('GET', '/api/v1/auth/session').then(
      (next) => {
        setSignupOpen(next.signupOpen === true);
        start(next);
      },
      () => setFailed(true),
    );
  useEffect(() => {
    void reload();
    onSessionEnded(() => start({ user: null, csrfToken: null, setupOpen: false }));
  }, []);
  const route = session && routeFor(session, path);
  const monitorId = route && monitorIdOf(route);
  useEffect(() => {
    if (route && route !== path) navigate(route, { replace: true });
  }, [route, path]);
  // A new page: its heading takes the focus, so keyboard and screen reader users start there.
  // Not on the first page of a load, where the browser starts at the top, with the skip link.
  const shownRoute = useRef<Route | undefined>(undefined);
  useEffect(() => {
    if (shownRoute.current !== undefined) focusHeading();
    shownRoute.current = route;
    const title = document.querySelector('main h1')?.textContent;
    document.title = title ? `${title} · ${strings.appName}` : strings.appName;
  }, [route]);

  if (failed) return <p role="alert">{strings.errors.network}</p>;
  if (!session || !route) return <p>{strings.loading}</p>;
  const logOut = async () => {
    await call('POST', '/api/v1/auth/logout').catch(() => undefined);
    start({ user: null, csrfToken: null, setupOpen: false });
  };
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          focusHeading();
        }}
      >
        {strings.skipToContent}
      </a>
      <header>
        <a class="brand" href={ROUTES.monitors} onClick={onLink(ROUTES.monitors)}>
          {strings.appName}
        </a>
        {session.user && (
          <nav aria-label={strings.nav.label}>
            <a href={ROUTES.monitors} onClick={onLink(ROUTES.monitors)}>
              {strings.nav.monitors}
            </a>
            <a href={ROUTES.statusPages} onClick={onLink(ROUTES.statusPages)}>
              {strings.nav.statusPages}
            </a>
            <a href={ROUTES.channels} onClick={onLink(ROUTES.channels)}>
              {strings.nav.channels}
            </a>
            <a href={ROUTES.maintenance} onClick={onLink(ROUTES.maintenance)}>
              {strings.nav.maintenance}
            </a>
            <a href={ROUTES.members} onClick={onLink(ROUTES.members)}>
              {strings.nav.members}
            </a>
            <a href={ROUTES.settings} onClick={onLink(ROUTES.settings)}>
              {strings.nav.settings}
            </a>
            {session.user.accounts.length > 1 && (
              <select
                aria-label={strings.nav.account}
                value={session.user.accountId}
                onChange={(event) => {
                  const accountId = event.currentTarget.value;
                  void call('POST', '/api/v1/auth/account', { accountId }).then(reload, reload);
                }}
              >
                {session.user.accounts.map((account) => (
                  <option key={account.id} value={account.id}>
                    {account.name}
                  </option>
                ))}
              </select>
            )}
            <span class="who">{strings.nav.signedInAs(session.user.email)}</span>
            <button type="button" onClick={() => void logOut()}>
              {strings.nav.logOut}
            </button>
          </nav>
        )}
      </header>
      {route === ROUTES.setup && (
        <SetupPage
          codeRequired={session.setupCodeRequired === true}
          onDone={(email) => {
            setSetupEmail(email);
            start({ ...session, setupOpen: false });
          }}
        />
      )}
      {route === ROUTES.login && (
        <LoginPage
          email={setupEmail}
          notice={setupEmail ? strings.setup.done : undefined}
          signupOpen={signupOpen}
          onLoggedIn={(next) => {
            setSetupEmail(undefined);
            start(next);
          }}
        />
      )}
      {route === ROUTES.signup && <SignupPage open={signupOpen} onLoggedIn={start} />}
      {route === ROUTES.monitors && session.user && (
        <MonitorsPage key={session.user.accountId} canEdit={atLeast(session.user.role, 'member')} />
      )}
      {route === ROUTES.members && session.user && (
        <MembersPage key={session.user.accountId} user={session.user} />
      )}
      {route === ROUTES.settings && session.user && (
        <SettingsPage
          key={session.user.accountId}
          role={session.user.role}
          onAccountDeleted={() => start({ user: null, csrfToken: null, setupOpen: false })}
          onAccountChanged={() => void reload()}
        />
      )}
      {route === ROUTES.invitation && (
        <InvitationPage
          user={session.user}
          onJoined={() => {
            navigate(ROUTES.monitors, { replace: true });
            void reload();
          }}
        />
      )}
      {route === ROUTES.newMonitor && <NewMonitorPage />}
      {route === ROUTES.statusPages && session.user && (
        <StatusPagesPage
          key={session.user.accountId}
          canEdit={atLeast(session.user.role, 'member')}
        />
      )}
      {route === ROUTES.channels && session.user && (
        <ChannelsPage key={session.user.accountId} canEdit={atLeast(session.user.role, 'member')} />
      )}
      {route === ROUTES.maintenance && session.user && (
        <MaintenancePage
          key={session.user.accountId}
          canEdit={atLeast(session.user.role, 'member')}
        />
      )}
      {monitorId !== undefined && session.user && (
        <LazyMonitorPage
          key={monitorId}
          id={monitorId}
          canEdit={atLeast(session.user.role, 'member')}
        />
      )}
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
