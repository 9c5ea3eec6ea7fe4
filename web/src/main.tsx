import { render, type FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, onSessionEnded, setCsrfToken, type Session } from './api';
import { LoginPage } from './login';
import { MonitorsPage } from './monitors';
import { NewMonitorPage } from './new-monitor';
import { monitorIdOf, navigate, onLink, ROUTES, usePath, type Route } from './router';
import { SetupPage } from './setup';
import { StatusPagesPage } from './status-pages';
import { strings } from './strings';
import './style.css';

/** Where a visitor belongs: setup while the server has no owner, login without a session. */
function routeFor(session: Session, path: string): Route {
  if (!session.user) return session.setupOpen ? ROUTES.setup : ROUTES.login;
  if (path === ROUTES.newMonitor) return ROUTES.newMonitor;
  if (path === ROUTES.statusPages) return ROUTES.statusPages;
  if (monitorIdOf(path) !== undefined) return path as Route;
  return ROUTES.monitors;
}

/**
 * The monitor page with its chart library, loaded when first shown: the list, which most
 * visits start at, does not wait for them.
 */
function LazyMonitorPage({ id }: { id: string }) {
  const [page, setPage] = useState<FunctionComponent<{ id: string }> | Error | undefined>(
    undefined,
  );
  useEffect(() => {
    import('./monitor-page').then(
      (module) => setPage(() => module.MonitorPage),
      (error: unknown) => setPage(error instanceof Error ? error : new Error(String(error))),
    );
  }, []);
  if (page instanceof Error) return <p role="alert">{strings.errors.network}</p>;
  if (!page) return <p>{strings.loading}</p>;
  const Page = page;
  return <Page id={id} />;
}

function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  const [setupEmail, setSetupEmail] = useState<string | undefined>(undefined);
  const start = (next: Session) => {
    setCsrfToken(next.csrfToken);
    setSession(next);
  };
  useEffect(() => {
    call<Session>('GET', '/api/v1/auth/session').then(start, () => setFailed(true));
    onSessionEnded(() => start({ user: null, csrfToken: null, setupOpen: false }));
  }, []);
  const route = session && routeFor(session, path);
  const monitorId = route && monitorIdOf(route);
  useEffect(() => {
    if (route && route !== path) navigate(route, { replace: true });
  }, [route, path]);
  // A new page: its heading takes the focus, so keyboard and screen reader users start there.
  useEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus();
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
      <a class="skip" href="#main">
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
          onLoggedIn={(next) => {
            setSetupEmail(undefined);
            start(next);
          }}
        />
      )}
      {route === ROUTES.monitors && <MonitorsPage />}
      {route === ROUTES.newMonitor && <NewMonitorPage />}
      {route === ROUTES.statusPages && <StatusPagesPage />}
      {monitorId !== undefined && <LazyMonitorPage key={monitorId} id={monitorId} />}
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
