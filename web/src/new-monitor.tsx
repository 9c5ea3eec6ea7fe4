import { useEffect, useState } from 'preact/hooks';
import { call } from './api';
import {
  fieldAria,
  FieldNotes,
  FormActions,
  FormProblems,
  Page,
  text,
  TypeSelect,
  useSubmit,
} from './form';
import type { MonitorDoc } from './monitor-data';
import { monitorPath, navigate, onLink, ROUTES, type Route } from './router';
import {
  changedValues,
  filledValues,
  SchemaInput,
  fieldHints,
  schemaFields,
  useDescription,
  type JsonSchema,
  type SchemaField,
  type TypeDescription,
} from './schema-form';
import { strings } from '../../src/catalog';

/** The fields of the monitor form as the API takes them. */
export type MonitorFields = Record<string, unknown>;

/** `GET /api/v1/monitor-types`. */
interface MonitorTypes {
  common: JsonSchema;
  items: TypeDescription[];
}

/** Common fields the form does not show as schema fields: its own controls handle them. */
const OWN_CONTROLS = ['name', 'type', 'paused', 'channelIds'];

/** A monitor type's name in words. */
export function typeName(type: string): string {
  const names: Record<string, string> = strings.monitorTypes;
  return names[type] ?? type.toUpperCase();
}

/**
 * The monitor form for every type, its fields from the API's description of each type (the
 * checkers' schemas): new monitors, edits (sending only what changed, so an untouched secret
 * stays as stored) and clones (secrets typed again: replies mask them). The server's problems
 * show beside their fields.
 */
export function MonitorForm(props: {
  title?: string;
  submitLabel: string;
  mode: 'create' | 'edit' | 'clone';
  /** The monitor edited or cloned, as the API replies it. */
  initial?: object;
  save(fields: MonitorFields): Promise<void>;
  cancel: Route | (() => void);
}) {
  const description = useDescription<MonitorTypes>('/api/v1/monitor-types');
  const [channels, setChannels] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    void call<{ items: { id: string; name: string }[] }>('GET', '/api/v1/channels').then(
      ({ items }) => setChannels(items),
      () => setChannels([]),
    );
  }, []);
  const initial = (props.initial ?? {}) as MonitorFields;
  const initialType = typeof initial.type === 'string' ? initial.type : 'http';
  const [type, setType] = useState(initialType);
  const types = description instanceof Error || !description ? [] : description.items;
  const chosen = types.find((item) => item.type === type);
  const typeFields = chosen
    ? schemaFields(chosen.schema, fieldHints('monitor', chosen.type), chosen.secretFields)
    : [];
  const commonFields =
    description && !(description instanceof Error)
      ? schemaFields(description.common, fieldHints('monitor', 'common')).filter(
          (field) => !OWN_CONTROLS.includes(field.key),
        )
      : [];
  const fields: SchemaField[] = [...typeFields, ...commonFields];
  // A clone starts its secrets empty: the masked values are no secrets to copy.
  const secretsKept = props.mode === 'edit' && type === initialType;
  const valueOf = (field: SchemaField) =>
    field.secret && !secretsKept ? undefined : initial[field.key];

  const { errors, busy, onSubmit } = useSubmit(
    ['name', 'type', 'channelIds', ...fields.map((field) => field.name)],
    async (data) => {
      const channelIds = data.getAll('channelIds').map(String);
      if (props.mode !== 'edit') {
        await props.save({
          name: text(data, 'name'),
          type,
          ...filledValues(fields, data),
          channelIds,
        });
        return;
      }
      const before = (initial.channelIds as string[] | undefined) ?? [];
      const changed = type === initialType ? changedValues : filledValues;
      await props.save({
        ...(text(data, 'name') === initial.name ? {} : { name: text(data, 'name') }),
        ...(type === initialType ? {} : { type }),
        ...changedValues(commonFields, data, initial),
        ...changed(typeFields, data, initial),
        ...(channelIds.join() === before.join() ? {} : { channelIds }),
      });
    },
  );
  const m = strings.newMonitor;
  const channelsError = fieldAria('channelIds', errors);
  return (
    <Page title={props.title ?? m.title(typeName(type))}>
      {description instanceof Error && <p role="alert">{strings.errors.network}</p>}
      <form onSubmit={onSubmit}>
        <FormProblems errors={errors} />
        <div class="field">
          <label for="field-name">{strings.fieldNames.name}</label>
          <input
            {...fieldAria('name', errors)}
            name="name"
            defaultValue={typeof initial.name === 'string' ? initial.name : ''}
            required
          />
          <FieldNotes name="name" errors={errors} />
        </div>
        <TypeSelect
          label={m.type}
          value={type}
          types={types.map((item) => item.type)}
          nameOf={typeName}
          onChange={setType}
          errors={errors}
        />
        {!description && <p>{strings.loading}</p>}
        {/* A new key for each type: its fields start from their own values. */}
        <fieldset key={type}>
          <legend>{m.checkFields(typeName(type))}</legend>
          {typeFields.map((field) => (
            <SchemaInput key={field.name} field={field} errors={errors} value={valueOf(field)} />
          ))}
        </fieldset>
        <fieldset>
          <legend>{m.scheduleFields}</legend>
          {commonFields.map((field) => (
            <SchemaInput key={field.name} field={field} errors={errors} value={valueOf(field)} />
          ))}
        </fieldset>
        <fieldset aria-describedby={channelsError['aria-describedby']}>
          <legend>{strings.fieldNames.channelIds}</legend>
          {channels.length === 0 && (
            <p class="hint">
              {m.noChannels}{' '}
              <a href={ROUTES.channels} onClick={onLink(ROUTES.channels)}>
                {strings.nav.channels}
              </a>
            </p>
          )}
          {channels.map((channel) => (
            <label key={channel.id} class="choice">
              <input
                type="checkbox"
                name="channelIds"
                value={channel.id}
                defaultChecked={((initial.channelIds as string[] | undefined) ?? []).includes(
                  channel.id,
                )}
              />{' '}
              {channel.name}
            </label>
          ))}
          <FieldNotes name="channelIds" errors={errors} />
        </fieldset>
        <FormActions submitLabel={props.submitLabel} busy={busy || !chosen} cancel={props.cancel} />
      </form>
    </Page>
  );
}

/** Creates a monitor of any type. */
export function NewMonitorPage() {
  return (
    <MonitorForm
      mode="create"
      submitLabel={strings.newMonitor.submit}
      save={async (fields) => {
        const created = await call<MonitorDoc>('POST', '/api/v1/monitors', fields);
        // A push monitor's page shows the URL its job must call: the next thing its user needs.
        navigate(created.pushUrl ? monitorPath(created.id) : ROUTES.monitors);
      }}
      cancel={ROUTES.monitors}
    />
  );
}
