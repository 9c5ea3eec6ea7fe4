import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { onLink, type Route } from './router';
import { strings } from '../../src/catalog';

/** What a form shows after a refused submit: problems by field, and the rest. */
export interface FormErrors {
  fields: Record<string, string>;
  other: string[];
}

const NO_ERRORS: FormErrors = { fields: {}, other: [] };

/**
 * Sorts an error into the problems of fields this form shows (beside them) and the rest
 * (above the form), so no problem the server names is lost.
 */
export function formErrors(error: unknown, shown: readonly string[]): FormErrors {
  if (!(error instanceof ApiError)) return { fields: {}, other: [strings.errors.network] };
  if (error.fields.length === 0) return { fields: {}, other: [error.message] };
  const fields: Record<string, string> = {};
  const other: string[] = [];
  for (const { field, problem } of error.fields) {
    // A problem inside a field (`headers.X-Key`, `expectedStatus.0`) shows beside it.
    const owner = shown.includes(field)
      ? field
      : shown.find((name) => field.startsWith(`${name}.`));
    if (owner === undefined) other.push(strings.errors.other(field, problem));
    else if (owner === field) fields[owner] = strings.errors.field(problem);
    else fields[owner] = strings.errors.other(field.slice(owner.length + 1), problem);
  }
  return { fields, other };
}

/**
 * Runs `action`, naming the fields of its refusal as the form does (`names`: the API's name →
 * the form's), for a form whose field would otherwise share an id with another on the page.
 */
export async function withFormNames(
  names: Record<string, string>,
  action: () => Promise<void>,
): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const fields = error.fields.map((p) => ({ ...p, field: names[p.field] ?? p.field }));
    throw new ApiError(error.status, error.code, error.message, fields);
  }
}

/** The text a form's field holds ('' for none). */
export function text(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
}

/** A form's submit: runs `action`, keeps its errors, and says while it is busy. */
export function useSubmit(shown: readonly string[], action: (data: FormData) => Promise<void>) {
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    setBusy(true);
    try {
      // With the button pressed, for a form whose buttons do different things.
      await action(new FormData(form, (event as SubmitEvent).submitter));
      setErrors(NO_ERRORS);
    } catch (error) {
      setErrors(formErrors(error, shown));
      // The first field in error takes the focus, so its problem is read out.
      requestAnimationFrame(() =>
        form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(),
      );
    } finally {
      setBusy(false);
    }
  };
  return { errors, busy, onSubmit: (event: Event) => void onSubmit(event) };
}

/**
 * A list's changes: `change(action)` runs one, keeps its problem (or clears them), then reads
 * the list again (`reload`, which keeps its own problem), so the list shows what is now.
 */
export function useListChanges(load: () => Promise<void>) {
  const [problems, setProblems] = useState<FormErrors>(NO_ERRORS);
  const reload = () => load().catch((error: unknown) => setProblems(formErrors(error, [])));
  const change = async (action: () => Promise<unknown>) => {
    try {
      await action();
      setProblems(NO_ERRORS);
    } catch (error) {
      setProblems(formErrors(error, []));
    }
    await reload();
  };
  return { problems, reload, change: (action: () => Promise<unknown>) => void change(action) };
}

/**
 * What ties a control to its label, hint and error (for screen readers): its id, and
 * `aria-invalid` / `aria-describedby` while it has a hint or an error.
 */
export function fieldAria(name: string, errors: FormErrors, hint?: string) {
  const id = `field-${name}`;
  const error = errors.fields[name];
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].join(' ').trim();
  return {
    id,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': described || undefined,
  };
}

/** A field's hint and its error, under its control (ids as fieldAria gives them). */
export function FieldNotes(props: { name: string; errors: FormErrors; hint?: string }) {
  const id = `field-${props.name}`;
  const error = props.errors.fields[props.name];
  return (
    <>
      {props.hint && (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </>
  );
}

/** A labelled input with its error beside it (and tied to it for screen readers). */
export function Field(props: {
  name: string;
  label: string;
  errors: FormErrors;
  type?: 'text' | 'email' | 'password' | 'url' | 'number' | 'date';
  required?: boolean;
  autocomplete?: string;
  hint?: string;
  value?: string;
  min?: number;
  minLength?: number;
}) {
  const { name, label, errors, hint, ...input } = props;
  const aria = fieldAria(name, errors, hint);
  // Preact's types tie attributes to each input type; these suit every type used here.
  const attributes = {
    ...aria,
    name,
    type: input.type ?? 'text',
    required: input.required,
    autocomplete: input.autocomplete,
    defaultValue: input.value,
    min: input.min,
    minLength: input.minLength,
  } as InputHTMLAttributes<HTMLInputElement>;
  return (
    <div class="field">
      <label for={aria.id}>{label}</label>
      <input {...attributes} />
      <FieldNotes name={name} errors={errors} hint={hint} />
    </div>
  );
}

/** Least length of a new password, as the API asks it (auth.ts). */
export const NEW_PASSWORD_MIN_LENGTH = 12;

/** The email and new password of an account being made (first-run setup, sign-up). */
export function NewCredentialFields({ errors }: { errors: FormErrors }) {
  return (
    <>
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
        minLength={NEW_PASSWORD_MIN_LENGTH}
        required
        errors={errors}
      />
    </>
  );
}

/** The problems that belong to no field shown, above the form. */
export function FormProblems({ errors }: { errors: FormErrors }) {
  if (errors.other.length === 0) return null;
  return (
    <div class="problems" role="alert">
      <strong>{strings.errors.title}</strong>
      <ul>
        {errors.other.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </div>
  );
}

export function Page(props: { title: string; children: ComponentChildren }) {
  return (
    <main id="main">
      <h1 tabIndex={-1}>{props.title}</h1>
      {props.children}
    </main>
  );
}

/**
 * A question before a step that cannot be undone: `ask` shows it and puts the focus on its
 * confirming button (`confirmRef`); `keep`, or Escape inside it (`onKeyDown`), closes it and
 * gives the focus back to the button that asked (`askRef`), so a keyboard user stays put.
 */
export function useConfirmation() {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const askRef = useRef<HTMLButtonElement>(null);
  const kept = useRef(false);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (kept.current) askRef.current?.focus();
    kept.current = false;
  }, [asking]);
  const keep = () => {
    kept.current = true;
    setAsking(false);
  };
  return {
    asking,
    ask: () => setAsking(true),
    keep,
    confirmRef,
    askRef,
    onKeyDown: (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      keep();
    },
  };
}

/**
 * A delete button that asks first: "Delete" shows the question with "Delete for good" (which
 * takes the focus) and "Keep it" (as Escape does).
 */
export function DeleteButton(props: { label: string; question: string; remove(): Promise<void> }) {
  const confirmation = useConfirmation();
  const [problem, setProblem] = useState<string | undefined>(undefined);
  if (!confirmation.asking) {
    return (
      <button
        ref={confirmation.askRef}
        type="button"
        class="secondary danger"
        aria-label={props.label}
        onClick={confirmation.ask}
      >
        {strings.form.delete}
      </button>
    );
  }
  const remove = () =>
    props.remove().catch((error: unknown) => {
      setProblem(error instanceof ApiError ? error.message : strings.errors.network);
    });
  return (
    <span
      class="confirm"
      role="alertdialog"
      aria-label={props.label}
      onKeyDown={confirmation.onKeyDown}
    >
      {props.question}{' '}
      <button
        ref={confirmation.confirmRef}
        type="button"
        class="danger"
        onClick={() => void remove()}
      >
        {strings.form.confirmDelete}
      </button>{' '}
      <button type="button" class="secondary" onClick={confirmation.keep}>
        {strings.form.keep}
      </button>
      {problem && (
        <span class="field-error" role="alert">
          {problem}
        </span>
      )}
    </span>
  );
}

/** A form's submit button and its way out: a route to go back to, or a callback. */
export function FormActions(props: {
  submitLabel: string;
  busy: boolean;
  cancel?: Route | (() => void);
}) {
  const { cancel } = props;
  return (
    <p class="actions">
      <button type="submit" disabled={props.busy}>
        {props.submitLabel}
      </button>
      {typeof cancel === 'function' && (
        <button type="button" class="secondary" onClick={cancel}>
          {strings.form.cancel}
        </button>
      )}
      {typeof cancel === 'string' && (
        <a href={cancel} onClick={onLink(cancel)}>
          {strings.form.cancel}
        </a>
      )}
    </p>
  );
}

/** A row's Edit and Delete (after a question), named for the row's item for screen readers. */
export function RowActions(props: {
  name: string;
  question: string;
  onEdit: () => void;
  remove: () => Promise<void>;
}) {
  return (
    <>
      <button
        type="button"
        class="secondary"
        aria-label={strings.form.editLabel(props.name)}
        onClick={props.onEdit}
      >
        {strings.form.edit}
      </button>{' '}
      <DeleteButton
        label={strings.form.deleteLabel(props.name)}
        question={props.question}
        remove={props.remove}
      />
    </>
  );
}

/** The type of what a form makes (a monitor's, a channel's): it decides the other fields. */
export function TypeSelect(props: {
  label: string;
  value: string;
  types: readonly string[];
  nameOf: (type: string) => string;
  onChange: (type: string) => void;
  errors: FormErrors;
  disabled?: boolean;
}) {
  // Until the types are read, the one chosen.
  const types = props.types.length > 0 ? props.types : [props.value];
  return (
    <div class="field">
      <label for="field-type">{props.label}</label>
      <select
        {...fieldAria('type', props.errors)}
        name="type"
        value={props.value}
        disabled={props.disabled}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        {types.map((type) => (
          <option key={type} value={type}>
            {props.nameOf(type)}
          </option>
        ))}
      </select>
      <FieldNotes name="type" errors={props.errors} />
    </div>
  );
}
