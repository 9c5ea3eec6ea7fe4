import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, type Session } from './api';
import { Field, FormProblems, Page, text, useSubmit } from './form';
import { onLink, ROUTES } from './router';
import { strings } from '../../src/catalog';

const FIELDS = ['email', 'password'];
const CODE_FIELDS = ['totpCode'];

/** Logs the browser in (a cookie session): the session it now has. */
export async function openSession(body: {
  email: string;
  password: string;
  totpCode?: string;
}): Promise<Session> {
  const session = await call<Omit<Session, 'setupOpen'>>('POST', '/api/v1/auth/session', body);
  return { ...session, setupOpen: false };
}

/**
 * Email and password for a cookie session; for a user with two-factor login, a second step
 * asks for the code (the credentials stay in memory only until it is sent). Where anyone may
 * sign up, a link to it.
 */
export function LoginPage(props: {
  email?: string;
  notice?: string;
  signupOpen: boolean;
  onLoggedIn(session: Session): void;
}) {
  const [credentials, setCredentials] = useState<{ email: string; password: string }>();
  const logIn = async (body: { email: string; password: string; totpCode?: string }) => {
    props.onLoggedIn(await openSession(body));
  };
  const first = useSubmit(FIELDS, async (data) => {
    const given = { email: text(data, 'email'), password: text(data, 'password') };
    try {
      await logIn(given);
    } catch (error) {
      // The password was right; the server asks for the code: that is the next step.
      if (!(error instanceof ApiError && error.code === 'TIRELESS_TOTP_REQUIRED')) throw error;
      setCredentials(given);
    }
  });
  // The second step's field takes the focus, so the intro and field are read out next.
  useEffect(() => {
    if (credentials) document.getElementById('field-totpCode')?.focus();
  }, [credentials]);
  const second = useSubmit(CODE_FIELDS, async (data) => {
    if (credentials) await logIn({ ...credentials, totpCode: text(data, 'totpCode') });
  });

  if (credentials) {
    return (
      <Page title={strings.login.title}>
        <p>{strings.login.totpIntro}</p>
        <form onSubmit={second.onSubmit}>
          <FormProblems errors={second.errors} />
          <Field
            name="totpCode"
            label={strings.login.totpCode}
            hint={strings.login.totpHint}
            autocomplete="one-time-code"
            required
            errors={second.errors}
          />
          <p class="actions">
            <button type="submit" disabled={second.busy}>
              {strings.login.verify}
            </button>{' '}
            <button type="button" onClick={() => setCredentials(undefined)}>
              {strings.login.back}
            </button>
          </p>
        </form>
      </Page>
    );
  }
  return (
    <Page title={strings.login.title}>
      {props.notice && <p role="status">{props.notice}</p>}
      <form onSubmit={first.onSubmit}>
        <FormProblems errors={first.errors} />
        <Field
          name="email"
          label={strings.fields.email}
          type="email"
          autocomplete="username"
          value={props.email}
          required
          errors={first.errors}
        />
        <Field
          name="password"
          label={strings.fields.password}
          type="password"
          autocomplete="current-password"
          required
          errors={first.errors}
        />
        <button type="submit" disabled={first.busy}>
          {strings.login.submit}
        </button>
      </form>
      {props.signupOpen && (
        <p>
          <a href={ROUTES.signup} onClick={onLink(ROUTES.signup)}>
            {strings.signup.link}
          </a>
        </p>
      )}
    </Page>
  );
}
