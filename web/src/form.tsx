import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from './api';
import { strings } from './strings';

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
    if (shown.includes(field)) fields[field] = strings.errors.field(problem);
    else other.push(strings.errors.other(field, problem));
  }
  return { fields, other };
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
      await action(new FormData(form));
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
  const id = `field-${name}`;
  const error = errors.fields[name];
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].join(' ').trim();
  // Preact's types tie attributes to each input type; these suit every type used here.
  const attributes = {
    id,
    name,
    type: input.type ?? 'text',
    required: input.required,
    autocomplete: input.autocomplete,
    defaultValue: input.value,
    min: input.min,
    minLength: input.minLength,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': described || undefined,
  } as InputHTMLAttributes<HTMLInputElement>;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input {...attributes} />
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
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
