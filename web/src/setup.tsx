import { call } from './api';
import { Field, FormProblems, Page, text, useSubmit } from './form';
import { strings } from './strings';

const FIELDS = ['email', 'password'];

/** First run: creates the owner account; then the user logs in with it. */
export function SetupPage(props: { onDone(email: string): void }) {
  const { errors, busy, onSubmit } = useSubmit(FIELDS, async (data) => {
    const email = text(data, 'email');
    const { token } = await call<{ token: string }>('POST', '/api/v1/setup', {
      email,
      password: text(data, 'password'),
    });
    // Setup answers a bearer token, which the browser does not keep: it is revoked at once,
    // and the browser logs in for a cookie session.
    await call('POST', '/api/v1/auth/logout', undefined, { authorization: `Bearer ${token}` });
    props.onDone(email);
  });
  return (
    <Page title={strings.setup.title}>
      <p>{strings.setup.intro}</p>
      <form onSubmit={onSubmit}>
        <FormProblems errors={errors} />
        <Field
          name="email"
          label={strings.fields.email}
          type="email"
          autocomplete="username"
          required
          errors={errors}
        />
        <Field
          name="password"
          label={strings.fields.newPassword}
          type="password"
          autocomplete="new-password"
          minLength={8}
          required
          errors={errors}
        />
        <button type="submit" disabled={busy}>
          {strings.setup.submit}
        </button>
      </form>
    </Page>
  );
}
