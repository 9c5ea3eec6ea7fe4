import { ApiError, call, type Session } from './api';
import { Field, FormProblems, NewCredentialFields, Page, text, useSubmit } from './form';
import { openSession } from './login';
import { onLink, ROUTES } from './router';
import { strings } from '../../src/catalog';

const FIELDS = ['email', 'password', 'accountName'];

/**
 * Open sign-up: a new account with the visitor as its owner, then logged in. Where sign-up is
 * closed, the page says so instead.
 */
export function SignupPage(props: { open: boolean; onLoggedIn(session: Session): void }) {
  const { errors, busy, onSubmit } = useSubmit(FIELDS, async (data) => {
    const credentials = { email: text(data, 'email'), password: text(data, 'password') };
    // Left empty, the account is named after the email (the API refuses an empty name).
    const accountName = text(data, 'accountName').trim();
    await call('POST', '/api/v1/auth/signup', {
      ...credentials,
      ...(accountName === '' ? {} : { accountName }),
    });
    // Sign-up answers alike whether or not the email was free (it does not tell who has an
    // account), so a taken email shows only here: its password is not this one.
    const session = await openSession(credentials).catch((error: unknown) => {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
      throw new ApiError(error.status, error.code, strings.signup.notLoggedIn, []);
    });
    props.onLoggedIn(session);
  });
  const s = strings.signup;
  const toLogin = (
    <a href={ROUTES.login} onClick={onLink(ROUTES.login)}>
      {s.toLogin}
    </a>
  );
  if (!props.open) {
    return (
      <Page title={s.title}>
        <p role="status">{s.closed}</p>
        <p>{toLogin}</p>
      </Page>
    );
  }
  return (
    <Page title={s.title}>
      <p>{s.intro}</p>
      <form onSubmit={onSubmit}>
        <FormProblems errors={errors} />
        <NewCredentialFields errors={errors} />
        <Field
          name="accountName"
          label={strings.signupAccount.label}
          hint={strings.signupAccount.hint}
          autocomplete="organization"
          errors={errors}
        />
        <button type="submit" disabled={busy}>
          {s.submit}
        </button>
      </form>
      <p>
        {s.haveAccount} {toLogin}
      </p>
    </Page>
  );
}
