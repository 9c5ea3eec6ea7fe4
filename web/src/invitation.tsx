import { call, type User } from './api';
import { Field, FormProblems, Page, text, useSubmit } from './form';
import { strings } from '../../src/catalog';

/**
 * Accepts the invitation whose secret is in the page's fragment: a logged-in user joins the
 * account (if the invitation names its email); anyone else chooses a password for a new user.
 */
export function InvitationPage(props: { user: User | null; onJoined(): void }) {
  const token = location.hash.slice(1);
  const { errors, busy, onSubmit } = useSubmit(['password'], async (data) => {
    await call('POST', '/api/v1/invitations/accept', {
      token,
      ...(props.user ? {} : { password: text(data, 'password') }),
    });
    props.onJoined();
  });
  if (!token) {
    return (
      <Page title={strings.invitation.title}>
        <p role="alert">{strings.invitation.noToken}</p>
      </Page>
    );
  }
  return (
    <Page title={strings.invitation.title}>
      <form onSubmit={onSubmit}>
        <FormProblems errors={errors} />
        {props.user ? (
          <p>{strings.invitation.joinAs(props.user.email)}</p>
        ) : (
          <>
            <p>{strings.invitation.intro}</p>
            <Field
              name="password"
              label={strings.fields.newPassword}
              type="password"
              autocomplete="new-password"
              minLength={8}
              required
              errors={errors}
            />
          </>
        )}
        <button type="submit" disabled={busy}>
          {props.user ? strings.invitation.join : strings.invitation.submit}
        </button>
      </form>
    </Page>
  );
}
