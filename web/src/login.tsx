import { call, type Session } from './api';
import { Field, FormProblems, Page, text, useSubmit } from './form';
import { strings } from './strings';

const FIELDS = ['email', 'password'];

/** Email and password for a cookie session. */
export function LoginPage(props: {
  email?: string;
  notice?: string;
  onLoggedIn(session: Session): void;
}) {
  const { errors, busy, onSubmit } = useSubmit(FIELDS, async (data) => {
    const session = await call<Omit<Session, 'setupOpen'>>('POST', '/api/v1/auth/session', {
      email: text(data, 'email'),
      password: text(data, 'password'),
    });
    props.onLoggedIn({ ...session, setupOpen: false });
  });
  return (
    <Page title={strings.login.title}>
      {props.notice && <p role="status">{props.notice}</p>}
      <form onSubmit={onSubmit}>
        <FormProblems errors={errors} />
        <Field
          name="email"
          label={strings.fields.email}
          type="email"
          autocomplete="username"
          value={props.email}
          required
          errors={errors}
        />
        <Field
          name="password"
          label={strings.fields.password}
          type="password"
          autocomplete="current-password"
          required
          errors={errors}
        />
        <button type="submit" disabled={busy}>
          {strings.login.submit}
        </button>
      </form>
    </Page>
  );
}
