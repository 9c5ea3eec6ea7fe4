import { useState } from 'preact/hooks';
import { call } from './api';
import { Field, FormProblems, text, useSubmit, withFormNames } from './form';
import { strings } from '../../src/catalog';

/**
 * The API's names of the fields the form names apart: the two-factor section on the same
 * page has a `password` and a `code` field too, and a field's id comes from its name.
 */
const PASSWORD_FIELD = 'deletePassword';
const CODE_FIELD = 'deleteCode';
const FIELDS: Record<string, string> = { password: PASSWORD_FIELD, code: CODE_FIELD };

/**
 * Settings' danger zone, for an owner: deletes the account once its name is typed, with the
 * password (and a code when two-factor login is on). `onDeleted` runs after: the session ended.
 */
export function DeleteAccountSection({ name, onDeleted }: { name: string; onDeleted: () => void }) {
  const s = strings.settings.deleteAccount;
  const [typed, setTyped] = useState('');
  const remove = useSubmit([PASSWORD_FIELD, CODE_FIELD], async (data) => {
    const code = text(data, CODE_FIELD);
    const body = { password: text(data, PASSWORD_FIELD), ...(code ? { code } : {}) };
    await withFormNames(FIELDS, () => call('DELETE', '/api/v1/account', body));
    onDeleted();
  });
  return (
    <section aria-labelledby="delete-account-title" class="danger-zone">
      <h2 id="delete-account-title">{s.title}</h2>
      <p>{s.warning(name)}</p>
      <form onSubmit={remove.onSubmit}>
        <FormProblems errors={remove.errors} />
        <div class="field">
          <label for="field-confirmName">{s.confirmName(name)}</label>
          <input
            id="field-confirmName"
            name="confirmName"
            type="text"
            autocomplete="off"
            required
            value={typed}
            onInput={(event) => setTyped(event.currentTarget.value)}
          />
        </div>
        <Field
          name={PASSWORD_FIELD}
          label={strings.fields.password}
          type="password"
          autocomplete="current-password"
          required
          errors={remove.errors}
        />
        <Field
          name={CODE_FIELD}
          label={s.code}
          hint={s.codeHint}
          autocomplete="one-time-code"
          errors={remove.errors}
        />
        <button type="submit" class="danger" disabled={remove.busy || typed.trim() !== name}>
          {s.submit}
        </button>
      </form>
    </section>
  );
}
