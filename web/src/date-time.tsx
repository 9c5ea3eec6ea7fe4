import { fieldAria, FieldNotes, type FormErrors } from './form';

/** The browser's time zone: the clock of the times the forms show and read. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** ms since the epoch as a `datetime-local` value on the browser's clock. */
export function localInput(ms: number): string {
  const date = new Date(ms);
  return new Date(ms - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** A `datetime-local` value (the browser's clock) as ms; as typed when it is not one. */
export function fromLocalInput(value: string): number | string {
  const ms = new Date(value).getTime();
  return value === '' || Number.isNaN(ms) ? value : ms;
}

/** A date and time on the browser's clock (its zone as the hint). */
export function DateTimeField(props: {
  name: string;
  label: string;
  value?: string;
  required?: boolean;
  errors: FormErrors;
}) {
  const hint = browserZone();
  return (
    <div class="field">
      <label for={`field-${props.name}`}>{props.label}</label>
      <input
        {...fieldAria(props.name, props.errors, hint)}
        type="datetime-local"
        name={props.name}
        defaultValue={props.value}
        required={props.required}
      />
      <FieldNotes name={props.name} errors={props.errors} hint={hint} />
    </div>
  );
}
