import { call } from './api';
import { Field, FormProblems, NewCredentialFields, Page, text, useSubmit } from './form';
import { strings } from '../../src/catalog';

const FIELDS = ['email', 'password'];

/**
 * First run: creates the owner account (with the one-time code `tireless start` printed, when
 * the server asks for one); then the user logs in with it.
 */
export function SetupPage(props: { codeRequired: boolean; onDone(email: string): void }) {
  // A problem with a field the form does not show is listed above it, not lost.
  const shown = props.codeRequired ? ['setupCode', ...FIELDS] : FIELDS;
  const { errors, busy, onSubmit } = useSubmit(shown, async (data) => {
    const email = text(data, 'email');
    const { token } = await call<{ token: string }>('POST', '/api/v1/setup', {
      email,
      password: text(data, 'password'),
      ...(props.codeRequired ? { setupCode: text(data, 'setupCode') } : {}),
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
        {props.codeRequired && (
          <Field
            name="setupCode"
            label={strings.fields.setupCode}
            autocomplete="one-time-code"
            hint={strings.setup.codeHint}
            required
            errors={errors}
          />
        )}
        <NewCredentialFields errors={errors} />
        <button type="submit" disabled={busy}>
          {strings.setup.submit}
        </button>
      </form>
    </Page>
  );
}
