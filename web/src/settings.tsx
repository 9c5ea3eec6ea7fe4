import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { atLeast, call, ROLES, type Role } from './api';
import {
  Field,
  fieldAria,
  FieldNotes,
  FormProblems,
  NEW_PASSWORD_MIN_LENGTH,
  Page,
  useListChanges,
  useSubmit,
  withFormNames,
  text,
} from './form';
import { onLink, ROUTES } from './router';
import { strings } from '../../src/catalog';
import { DeleteAccountSection } from './account-deletion';
import { TotpSection } from './totp';

interface SessionItem {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

interface ApiToken {
  id: string;
  name: string;
  createdAt: number;
  expiresAt: number | null;
  readOnly: boolean;
  role: Role;
}

/** The account as `GET /api/v1/account` answers it. */
interface AccountInfo {
  id: string;
  name: string;
  /** Its own retention, days; null: the node's rules. */
  retentionDays: number | null;
  nodeRetentionDays: number;
}

function when(ms: number): string {
  return new Date(ms).toLocaleString();
}

/**
 * The account (its name, for an owner to change; its retention, for an admin or owner) and
 * the caller's own settings: password, two-factor login, sessions and API tokens (each user
 * manages their own; members and invitations have their page); for an owner, deleting the
 * account. `onAccountChanged` runs after the account was saved (its name is shown elsewhere).
 */
export function SettingsPage(props: {
  role: Role;
  onAccountDeleted: () => void;
  onAccountChanged: () => void;
}) {
  const s = strings.settings;
  const [account, setAccount] = useState<AccountInfo | undefined>(undefined);
  useEffect(() => {
    call<AccountInfo>('GET', '/api/v1/account').then(setAccount, () => setAccount(undefined));
  }, []);
  return (
    <Page title={s.title}>
      <p>
        <a href={ROUTES.members} onClick={onLink(ROUTES.members)}>
          {s.members}
        </a>
      </p>
      {account && (
        <AccountSection
          account={account}
          role={props.role}
          onSaved={(saved) => {
            setAccount(saved);
            props.onAccountChanged();
          }}
        />
      )}
      <PasswordSection />
      <TotpSection />
      <SessionsSection />
      <TokensSection role={props.role} />
      <ExportSection />
      {props.role === 'owner' && account && (
        <DeleteAccountSection name={account.name} onDeleted={props.onAccountDeleted} />
      )}
    </Page>
  );
}

/** The form's name of the account's `name`: the token form on the page has a `name` too. */
const NAME_FIELD = 'accountName';

/**
 * The account's name (an owner changes it) and its retention (an admin or owner sets it, at
 * most the node's; empty gives the node's rules back); a role that may change neither reads
 * them. The server's problems show beside their fields.
 */
function AccountSection(props: {
  account: AccountInfo;
  role: Role;
  onSaved: (account: AccountInfo) => void;
}) {
  const s = strings.accountSettings;
  const { account } = props;
  const renames = props.role === 'owner';
  const setsRetention = atLeast(props.role, 'admin');
  const [done, setDone] = useState(false);
  const { errors, busy, onSubmit } = useSubmit([NAME_FIELD, 'retentionDays'], async (data) => {
    setDone(false);
    const days = text(data, 'retentionDays').trim();
    const body = {
      ...(renames ? { name: text(data, NAME_FIELD) } : {}),
      // A number as typed: the server names what is wrong with it.
      retentionDays: days === '' ? null : Number(days),
    };
    await withFormNames({ name: NAME_FIELD }, async () => {
      props.onSaved(await call<AccountInfo>('PATCH', '/api/v1/account', body));
    });
    setDone(true);
  });
  const retention = s.retentionOf(account.retentionDays, account.nodeRetentionDays);
  return (
    <section aria-labelledby="account-title">
      <h2 id="account-title">{s.title}</h2>
      {!setsRetention && (
        <dl class="account">
          <dt>{s.name}</dt>
          <dd>{account.name}</dd>
          <dt>{s.retention}</dt>
          <dd>{retention}</dd>
        </dl>
      )}
      {setsRetention && (
        <form onSubmit={onSubmit}>
          <FormProblems errors={errors} />
          {renames ? (
            <Field name={NAME_FIELD} label={s.name} value={account.name} required errors={errors} />
          ) : (
            <p>
              {s.name}: <strong>{account.name}</strong> ({s.nameHint})
            </p>
          )}
          <Field
            name="retentionDays"
            label={s.retention}
            hint={s.retentionHint(account.nodeRetentionDays)}
            type="number"
            min={1}
            value={account.retentionDays === null ? '' : String(account.retentionDays)}
            errors={errors}
          />
          <button type="submit" disabled={busy}>
            {s.save}
          </button>
        </form>
      )}
      {done && <p role="status">{s.saved}</p>}
    </section>
  );
}

/** The account's channels and monitors as a file `tireless apply -f` takes: a download. */
function ExportSection() {
  const s = strings.exports;
  return (
    <section aria-labelledby="export-title">
      <h2 id="export-title">{s.title}</h2>
      <p>{s.intro}</p>
      <p>
        <a href="/api/v1/export" download>
          {s.configuration}
        </a>
      </p>
    </section>
  );
}

function PasswordSection() {
  const s = strings.settings.password;
  const [done, setDone] = useState(false);
  const { errors, busy, onSubmit } = useSubmit(['currentPassword', 'newPassword'], async (data) => {
    setDone(false);
    await call('POST', '/api/v1/auth/password', {
      currentPassword: text(data, 'currentPassword'),
      newPassword: text(data, 'newPassword'),
    });
    setDone(true);
  });
  return (
    <section aria-labelledby="password-title">
      <h2 id="password-title">{s.title}</h2>
      {/* A new key once changed: the form starts empty again. */}
      <form key={String(done)} onSubmit={onSubmit}>
        <FormProblems errors={errors} />
        <Field
          name="currentPassword"
          label={s.current}
          type="password"
          autocomplete="current-password"
          required
          errors={errors}
        />
        <Field
          name="newPassword"
          label={s.next}
          type="password"
          autocomplete="new-password"
          minLength={NEW_PASSWORD_MIN_LENGTH}
          required
          errors={errors}
        />
        <button type="submit" disabled={busy}>
          {s.submit}
        </button>
      </form>
      {done && <p role="status">{s.done}</p>}
    </section>
  );
}

function SessionsSection() {
  const s = strings.settings.sessions;
  const [sessions, setSessions] = useState<SessionItem[] | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const { problems, reload, change } = useListChanges(async () => {
    setSessions((await call<{ items: SessionItem[] }>('GET', '/api/v1/sessions')).items);
  });
  useEffect(() => {
    void reload();
  }, []);
  const device = (session: SessionItem) => session.userAgent ?? s.unknown;
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">{s.title}</h2>
      <FormProblems errors={problems} />
      {notice && <p role="status">{notice}</p>}
      {sessions === undefined ? (
        <p>{strings.loading}</p>
      ) : (
        <ListTable class="sessions" caption={s.caption} columns={Object.values(s.columns)}>
          {sessions.map((session) => (
            <tr key={session.id} data-session-id={session.id}>
              <th scope="row" class="device">
                {device(session)}
              </th>
              <td>{session.ip ?? s.unknown}</td>
              <td>{when(session.lastSeenAt)}</td>
              <td>{when(session.createdAt)}</td>
              <td>
                {session.current ? (
                  <strong>{s.current}</strong>
                ) : (
                  <button
                    type="button"
                    aria-label={s.revokeLabel(device(session), when(session.lastSeenAt))}
                    onClick={() => change(() => call('DELETE', `/api/v1/sessions/${session.id}`))}
                  >
                    {s.revoke}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </ListTable>
      )}
      <p class="actions">
        <button
          type="button"
          onClick={() =>
            change(async () => {
              const { ended } = await call<{ ended: number }>('DELETE', '/api/v1/sessions');
              setNotice(s.ended(ended));
            })
          }
        >
          {s.everywhere}
        </button>
      </p>
    </section>
  );
}

/** A table of a list: its caption, a header row, and `children` as its rows. */
function ListTable(props: {
  class: string;
  caption: string;
  columns: readonly string[];
  children: ComponentChildren;
}) {
  return (
    <table class={`members ${props.class}`}>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {props.columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

/** The end of the local day `date` (YYYY-MM-DD) names, ms; null for none. */
function endOfDay(date: string): number | null {
  return date === '' ? null : new Date(`${date}T23:59:59.999`).getTime();
}

function TokensSection(props: { role: Role }) {
  const s = strings.settings.tokens;
  const a = strings.accountSettings;
  const [tokens, setTokens] = useState<ApiToken[] | undefined>(undefined);
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const { problems, reload, change } = useListChanges(async () => {
    setTokens((await call<{ items: ApiToken[] }>('GET', '/api/v1/tokens')).items);
  });
  useEffect(() => {
    void reload();
  }, []);
  const create = useSubmit(['name', 'expiresAt', 'readOnly', 'role'], async (data) => {
    const created = await call<{ token: string }>('POST', '/api/v1/tokens', {
      name: text(data, 'name'),
      expiresAt: endOfDay(text(data, 'expiresAt')),
      readOnly: data.get('readOnly') === 'on',
      role: text(data, 'role'),
    });
    setSecret(created.token);
    await reload();
  });
  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title">{s.title}</h2>
      <FormProblems errors={problems} />
      {tokens === undefined && <p>{strings.loading}</p>}
      {tokens?.length === 0 && <p>{s.empty}</p>}
      {tokens && tokens.length > 0 && (
        <ListTable class="tokens" caption={s.caption} columns={Object.values(s.columns)}>
          {tokens.map((token) => (
            <tr key={token.id}>
              <th scope="row">{token.name}</th>
              <td>{when(token.createdAt)}</td>
              <td>{token.expiresAt === null ? s.never : when(token.expiresAt)}</td>
              <td>{a.tokenAccess(a.roleNames[token.role], token.readOnly)}</td>
              <td>
                <button
                  type="button"
                  aria-label={s.revokeLabel(token.name)}
                  onClick={() => {
                    if (!confirm(s.confirmRevoke(token.name))) return;
                    change(() => call('DELETE', `/api/v1/tokens/${token.id}`));
                  }}
                >
                  {s.revoke}
                </button>
              </td>
            </tr>
          ))}
        </ListTable>
      )}
      <form key={tokens?.length} onSubmit={create.onSubmit}>
        <FormProblems errors={create.errors} />
        <Field name="name" label={s.name} required errors={create.errors} />
        <Field
          name="expiresAt"
          label={s.expires}
          hint={s.expiresHint}
          type="date"
          errors={create.errors}
        />
        <div class="field">
          <label for="field-role">{a.tokenRole}</label>
          {/* The API gives a token at most its creator's role: only those are offered. */}
          <select {...fieldAria('role', create.errors, a.tokenRoleHint)} name="role">
            {ROLES.filter((role) => atLeast(props.role, role)).map((role) => (
              <option key={role} value={role} selected={role === props.role}>
                {strings.roles[role]}
              </option>
            ))}
          </select>
          <FieldNotes name="role" errors={create.errors} hint={a.tokenRoleHint} />
        </div>
        <label class="choice">
          <input type="checkbox" name="readOnly" /> {s.readOnlyChoice}
        </label>
        <button type="submit" disabled={create.busy}>
          {s.create}
        </button>
      </form>
      {secret && (
        <div class="field" role="status">
          <label for="new-token">{s.tokenLabel}</label>
          <input id="new-token" type="text" readOnly value={secret} />
          <p class="hint">{s.created}</p>
        </div>
      )}
    </section>
  );
}
