/**
 * Form fields built from the JSON schemas the API describes its entities with
 * (`GET /api/v1/monitor-types`, `GET /api/v1/channel-types`): the checkers' and notifiers'
 * own schemas are the one source of which fields a type has, their kinds, defaults and
 * descriptions; the app adds only how each kind is typed in, and the words: labels and hints
 * from the catalog (strings.ts), the schema's English description where it has no hint.
 */
import type { InputHTMLAttributes } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api';
import { fieldAria, FieldNotes, text, type FormErrors } from './form';
import { strings } from '../../src/catalog';

/** The part of a JSON schema (OpenAPI 3.0) the forms read. */
export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  format?: string;
  nullable?: boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  /** Made by the server: not a field to fill in. */
  readOnly?: boolean;
  /** Text on several lines (a request body, a PEM certificate). */
  'x-multiline'?: boolean;
}

/** One type of monitor or channel, as the API describes it. */
export interface TypeDescription {
  type: string;
  schema: JsonSchema;
  /** Fields replies mask; a masked value sent back keeps the stored one. */
  secretFields: string[];
}

/** One field of a form: its name in the form (with any prefix) and its schema. */
export interface SchemaField {
  name: string;
  /** The key in the entity (the name without the form's prefix). */
  key: string;
  schema: JsonSchema;
  required: boolean;
  secret: boolean;
  /** The catalog's hint, else the schema's description. */
  hint: string | undefined;
}

/** The catalog's hints for the fields of one monitor type (`common`: every monitor's) or channel type. */
export function fieldHints(kind: 'monitor' | 'channel', type: string): Record<string, string> {
  const byType: Record<string, Record<string, string> | undefined> = strings.fieldHints[kind];
  return byType[type] ?? {};
}

/**
 * The fields of `schema` a user fills in (read-only ones left out), named `prefix` + key,
 * with their `hints` from the catalog.
 */
export function schemaFields(
  schema: JsonSchema,
  hints: Record<string, string>,
  secretFields: readonly string[] = [],
  prefix = '',
): SchemaField[] {
  return Object.entries(schema.properties ?? {})
    .filter(([, field]) => !field.readOnly)
    .map(([key, field]) => ({
      name: prefix + key,
      key,
      schema: field,
      required: schema.required?.includes(key) === true && field.default === undefined,
      secret: secretFields.includes(key),
      hint: hints[key] ?? field.description,
    }));
}

/** How a field is typed in. */
type Kind = 'text' | 'lines' | 'number' | 'boolean' | 'choice' | 'list' | 'map' | 'json';

function kindOf(schema: JsonSchema): Kind {
  if (schema.enum) return 'choice';
  switch (schema.type) {
    case 'boolean':
      return 'boolean';
    case 'integer':
    case 'number':
      return 'number';
    case 'array':
      return 'list';
    case 'object':
      return 'map';
    case 'string':
      return schema['x-multiline'] ? 'lines' : 'text';
    default:
      return 'json';
  }
}

/** A value as the field shows it ('' for none; 'true'/'false' for a checkbox). */
export function fieldText(field: SchemaField, value: unknown): string {
  if (value === undefined || value === null) return '';
  const kind = kindOf(field.schema);
  if (kind === 'list' && Array.isArray(value)) return value.map(scalarText).join(', ');
  if (kind === 'map' && typeof value === 'object') {
    return Object.entries(value)
      .map(([name, entry]) => `${name}: ${scalarText(entry)}`)
      .join('\n');
  }
  // A string shows as typed unless it would read back as another JSON value.
  if (kind === 'json' && !(typeof value === 'string' && parseJson(value) === undefined))
    return JSON.stringify(value);
  return scalarText(value);
}

/** A string, number or boolean as text; anything else as JSON. */
function scalarText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

/** What the field holds in `data`, as text (fieldText's form). */
export function rawText(data: FormData, field: SchemaField): string {
  if (kindOf(field.schema) === 'boolean') return String(data.get(field.name) === 'on');
  return text(data, field.name);
}

/**
 * The value of a field's text, typed as its schema says; undefined for an empty field. What
 * does not read as its type is sent as typed, for the server to name the problem.
 */
export function fieldValue(field: SchemaField, raw: string): unknown {
  const kind = kindOf(field.schema);
  if (kind === 'boolean') return raw === 'true';
  if (kind !== 'lines' && raw.trim() === '') return undefined;
  if (raw === '') return undefined;
  switch (kind) {
    case 'number':
      return numberOr(raw.trim());
    case 'list': {
      const items = raw
        .split(/[,\n]/)
        .map((item) => item.trim())
        .filter(Boolean);
      const numeric = acceptsNumbers(field.schema.items);
      return items.map((item) => (numeric && /^-?\d+(\.\d+)?$/.test(item) ? Number(item) : item));
    }
    case 'map':
      return Object.fromEntries(
        raw
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => {
            const colon = line.indexOf(':');
            return colon < 0
              ? [line.trim(), '']
              : [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
          }),
      );
    case 'json': {
      const parsed = parseJson(raw.trim());
      return parsed === undefined ? raw : parsed.value;
    }
    default:
      return raw;
  }
}

function numberOr(raw: string): number | string {
  const value = Number(raw);
  return Number.isFinite(value) ? value : raw;
}

function acceptsNumbers(schema: JsonSchema | undefined): boolean {
  if (!schema) return false;
  if (schema.type === 'integer' || schema.type === 'number') return true;
  return schema.anyOf?.some(acceptsNumbers) === true;
}

function parseJson(raw: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(raw) as unknown };
  } catch {
    return undefined;
  }
}

/** The values of `fields` in `data` that are filled in (a new entity's fields). */
export function filledValues(
  fields: readonly SchemaField[],
  data: FormData,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    const value = fieldValue(field, rawText(data, field));
    if (value !== undefined) values[field.key] = value;
  }
  return values;
}

/**
 * The fields changed from `initial` (a patch): a new value, or null for one emptied (back to
 * its default). An untouched secret is left out, so the stored one stays.
 */
export function changedValues(
  fields: readonly SchemaField[],
  data: FormData,
  initial: Record<string, unknown>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = rawText(data, field);
    if (raw === fieldText(field, initial[field.key] ?? defaultOf(field))) continue;
    values[field.key] = fieldValue(field, raw) ?? null;
  }
  return values;
}

function defaultOf(field: SchemaField): unknown {
  return kindOf(field.schema) === 'boolean' ? (field.schema.default ?? false) : undefined;
}

/** The label of a field: the catalog's, else its name in words (a field added since). */
export function fieldLabel(key: string): string {
  const labels: Record<string, string> = strings.fieldNames;
  return (
    labels[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase())
  );
}

/**
 * One field from its schema: labelled, its description as the hint, the server's problem
 * beside it. `value` is its value in the entity being edited, else its schema's default.
 */
export function SchemaInput(props: { field: SchemaField; errors: FormErrors; value?: unknown }) {
  const { field, errors } = props;
  const kind = kindOf(field.schema);
  const value = props.value === undefined ? field.schema.default : props.value;
  const shown = fieldText(field, value);
  const label = fieldLabel(field.key);
  const hint =
    [
      field.hint,
      kind === 'list' ? strings.form.listHint : '',
      kind === 'map' ? strings.form.mapHint : '',
      // Only a stored secret is shown masked.
      field.secret && props.value !== undefined ? strings.form.secretHint : '',
    ]
      .filter(Boolean)
      // The hints, as the schemas' descriptions, end without a stop.
      .map((part) => (part?.endsWith('.') ? part : `${part}.`))
      .join(' ') || undefined;
  const aria = fieldAria(field.name, errors, hint);
  if (kind === 'boolean') {
    return (
      <div class="field">
        <label class="choice">
          <input {...aria} type="checkbox" name={field.name} defaultChecked={shown === 'true'} />{' '}
          {label}
        </label>
        <FieldNotes name={field.name} errors={errors} hint={hint} />
      </div>
    );
  }
  let control;
  if (kind === 'choice') {
    const options = (field.schema.enum ?? []).map(String);
    control = (
      <select {...aria} name={field.name} defaultValue={shown} required={field.required}>
        {!field.required && field.schema.default === undefined && <option value="" />}
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  } else if (kind === 'lines' || kind === 'map') {
    control = (
      <textarea
        {...aria}
        name={field.name}
        rows={4}
        defaultValue={shown}
        required={field.required}
        spellcheck={false}
      />
    );
  } else {
    const type =
      kind === 'number'
        ? 'number'
        : field.secret
          ? 'password'
          : field.schema.format === 'email'
            ? 'email'
            : field.schema.format === 'uri'
              ? 'url'
              : 'text';
    // Preact's types tie attributes to each input type; these suit every type used here.
    const attributes = {
      ...aria,
      name: field.name,
      type,
      step: kind === 'number' ? 'any' : undefined,
      defaultValue: shown,
      required: field.required,
      autocomplete: field.secret ? 'off' : undefined,
      spellcheck: false,
    } as InputHTMLAttributes<HTMLInputElement>;
    control = <input {...attributes} />;
  }
  return (
    <div class="field">
      <label for={aria.id}>{label}</label>
      {control}
      <FieldNotes name={field.name} errors={errors} hint={hint} />
    </div>
  );
}

const described = new Map<string, Promise<unknown>>();

/** Reads a description of types once per page load (it changes only with the server). */
export function useDescription<T>(path: string): T | Error | undefined {
  const [value, setValue] = useState<T | Error | undefined>(undefined);
  useEffect(() => {
    let read = described.get(path);
    if (!read) {
      read = call<T>('GET', path);
      // A failed read is tried again next time.
      read.catch(() => described.delete(path));
      described.set(path, read);
    }
    let current = true;
    read.then(
      (result) => current && setValue(result as T),
      (error: unknown) =>
        current && setValue(error instanceof Error ? error : new Error(String(error))),
    );
    return () => {
      current = false;
    };
  }, [path]);
  return value;
}
