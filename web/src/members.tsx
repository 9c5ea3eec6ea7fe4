import { useEffect, useState } from 'preact/hooks';
import { atLeast, call, ROLES, type Role, type User } from './api';
import { Field, FormProblems, Page, text, useListChanges, useSubmit } from './form';
import { strings } from '../../src/catalog';

interface Member {
  id: string;
  email: string;
  role: Role;
}

interface Invitation {
  id: string;
  email: string;
  role: Role;
  expiresAt: number;
}

/**
 * The account's members and their roles; admins and owners also change roles, remove members,
 * invite by link and revoke pending invitations (the API decides who may do which).
 */
export function MembersPage({ user }: { user: User }) {
  const manages = atLeast(user.role, 'admin');
  const [members, setMembers] = useState<Member[] | undefined>(undefined);
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  /** The last invitation made: mailed to its email, or its link to hand over (and why not mailed). */
  const [made, setMade] = useState<
    { emailedTo: string } | { link: string; emailError?: string } | undefined
  >(undefined);

  const load = async () => {
    setMembers((await call<{ items: Member[] }>('GET', '/api/v1/members')).items);
    if (manages) {
      setInvitations((await call<{ items: Invitation[] }>('GET', '/api/v1/invitations')).items);
    }
  };
  const { problems, reload, change } = useListChanges(load);
  useEffect(() => {
    void reload();
  }, [user.accountId]);

  const invite = useSubmit(['email', 'role'], async (data) => {
    setMade(undefined);
    const created = await call<{
      email: string;
      link: string;
      emailed?: boolean;
      emailError?: string;
    }>('POST', '/api/v1/invitations', { email: text(data, 'email'), role: text(data, 'role') });
    const link = location.origin + created.link;
    setMade(
      created.emailed === true
        ? { emailedTo: created.email }
        : { link, ...(created.emailError === undefined ? {} : { emailError: created.emailError }) },
    );
    await load();
  });

  return (
    <Page title={strings.members.title}>
      <FormProblems errors={problems} />
      {members === undefined && <p>{strings.loading}</p>}
      {members && (
        <table class="members">
          <caption>{strings.members.caption}</caption>
          <thead>
            <tr>
              <th scope="col">{strings.members.columns.email}</th>
              <th scope="col">{strings.members.columns.role}</th>
              {manages && <th scope="col">{strings.members.columns.actions}</th>}
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <tr key={member.id} data-member-email={member.email}>
                <th scope="row">{member.email}</th>
                <td>
                  {manages ? (
                    <select
                      aria-label={strings.members.roleOf(member.email)}
                      value={member.role}
                      onChange={(event) =>
                        change(() =>
                          call('PATCH', `/api/v1/members/${member.id}`, {
                            role: event.currentTarget.value,
                          }),
                        )
                      }
                    >
                      {ROLES.map((role) => (
                        <option key={role} value={role}>
                          {strings.roles[role]}
                        </option>
                      ))}
                    </select>
                  ) : (
                    strings.roles[member.role]
                  )}
                </td>
                {manages && (
                  <td>
                    <button
                      type="button"
                      aria-label={strings.members.removeLabel(member.email)}
                      onClick={() => {
                        if (!confirm(strings.members.confirmRemove(member.email))) return;
                        change(() => call('DELETE', `/api/v1/members/${member.id}`));
                      }}
                    >
                      {strings.members.remove}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manages && (
        <>
          <h2>{strings.members.invite}</h2>
          <form onSubmit={invite.onSubmit}>
            <FormProblems errors={invite.errors} />
            <Field
              name="email"
              label={strings.fields.email}
              type="email"
              required
              errors={invite.errors}
            />
            <div class="field">
              <label for="field-role">{strings.members.role}</label>
              <select id="field-role" name="role">
                {ROLES.map((role) => (
                  <option key={role} value={role} selected={role === 'member'}>
                    {strings.roles[role]}
                  </option>
                ))}
              </select>
              {invite.errors.fields.role && <p class="field-error">{invite.errors.fields.role}</p>}
            </div>
            <button type="submit" disabled={invite.busy}>
              {strings.members.inviteSubmit}
            </button>
          </form>
          {made && 'emailedTo' in made && (
            <p role="status">{strings.members.emailed(made.emailedTo)}</p>
          )}
          {made && 'link' in made && (
            <div class="field" role="status">
              {made.emailError !== undefined && (
                <p>{strings.members.notEmailed(made.emailError)}</p>
              )}
              <label for="invitation-link">{strings.members.link}</label>
              <input id="invitation-link" type="text" readOnly value={made.link} />
            </div>
          )}
          <h2>{strings.members.pending}</h2>
          {invitations.length === 0 ? (
            <p>{strings.members.noPending}</p>
          ) : (
            <ul class="invitations">
              {invitations.map((invitation) => (
                <li key={invitation.id}>
                  {invitation.email} · {strings.roles[invitation.role]} ·{' '}
                  {strings.members.expires(new Date(invitation.expiresAt).toLocaleString())}{' '}
                  <button
                    type="button"
                    aria-label={strings.members.revokeLabel(invitation.email)}
                    onClick={() =>
                      change(() => call('DELETE', `/api/v1/invitations/${invitation.id}`))
                    }
                  >
                    {strings.members.revoke}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Page>
  );
}
