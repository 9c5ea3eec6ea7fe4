import { call } from './api';
import { Field, FormProblems, Page, text, useSubmit } from './form';
import type { MonitorDoc } from './monitor-data';
import { navigate, onLink, ROUTES, type Route } from './router';
import { strings } from './strings';

const FIELDS = ['name', 'url', 'intervalSeconds'];

/** The fields of the monitor form as the API takes them. */
export type MonitorFields = Record<string, unknown>;

/**
 * The monitor form (name, URL for HTTP monitors, interval): new monitors, edits and clones.
 * `initial` fills it in; `save` sends its fields; the server's problems show beside them.
 */
export function MonitorForm(props: {
  title: string;
  submitLabel: string;
  initial?: Pick<MonitorDoc, 'name' | 'type' | 'url' | 'intervalSeconds'>;
  save(fields: MonitorFields): Promise<void>;
  cancel: Route | (() => void);
}) {
  const type = props.initial?.type ?? 'http';
  const { errors, busy, onSubmit } = useSubmit(FIELDS, async (data) => {
    const interval = text(data, 'intervalSeconds').trim();
    await props.save({
      name: text(data, 'name'),
      ...(type === 'http' ? { url: text(data, 'url') } : {}),
      // A number when it is one; else as typed, for the server to name the problem.
      ...(interval === ''
        ? {}
        : { intervalSeconds: Number.isNaN(Number(interval)) ? interval : Number(interval) }),
    });
  });
  const cancel = props.cancel;
  return (
    <Page title={props.title}>
      <form onSubmit={onSubmit}>
        <FormProblems errors={errors} />
        <Field
          name="name"
          label={strings.newMonitor.name}
          value={props.initial?.name}
          required
          errors={errors}
        />
        {type === 'http' && (
          <Field
            name="url"
            label={strings.newMonitor.url}
            hint={strings.newMonitor.urlHint}
            type="url"
            value={props.initial?.url}
            required
            errors={errors}
          />
        )}
        <Field
          name="intervalSeconds"
          label={strings.newMonitor.interval}
          type="number"
          min={1}
          value={String(props.initial?.intervalSeconds ?? 60)}
          errors={errors}
        />
        <p class="actions">
          <button type="submit" disabled={busy}>
            {props.submitLabel}
          </button>
          {typeof cancel === 'function' ? (
            <button type="button" class="secondary" onClick={cancel}>
              {strings.newMonitor.cancel}
            </button>
          ) : (
            <a href={cancel} onClick={onLink(cancel)}>
              {strings.newMonitor.cancel}
            </a>
          )}
        </p>
      </form>
    </Page>
  );
}

/** Creates an HTTP monitor. */
export function NewMonitorPage() {
  return (
    <MonitorForm
      title={strings.newMonitor.title}
      submitLabel={strings.newMonitor.submit}
      save={async (fields) => {
        await call('POST', '/api/v1/monitors', { type: 'http', ...fields });
        navigate(ROUTES.monitors);
      }}
      cancel={ROUTES.monitors}
    />
  );
}
