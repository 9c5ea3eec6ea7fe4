import { call } from './api';
import { Field, FormProblems, Page, text, useSubmit } from './form';
import { navigate, onLink, ROUTES } from './router';
import { strings } from './strings';

const FIELDS = ['name', 'url', 'intervalSeconds'];

/** Creates an HTTP monitor; the server's problems show beside their fields. */
export function NewMonitorPage() {
  const { errors, busy, onSubmit } = useSubmit(FIELDS, async (data) => {
    const interval = text(data, 'intervalSeconds').trim();
    await call('POST', '/api/v1/monitors', {
      type: 'http',
      name: text(data, 'name'),
      url: text(data, 'url'),
      // A number when it is one; else as typed, for the server to name the problem.
      ...(interval === ''
        ? {}
        : { intervalSeconds: Number.isNaN(Number(interval)) ? interval : Number(interval) }),
    });
    navigate(ROUTES.monitors);
  });
  return (
    <Page title={strings.newMonitor.title}>
      <form onSubmit={onSubmit}>
        <FormProblems errors={errors} />
        <Field name="name" label={strings.newMonitor.name} required errors={errors} />
        <Field
          name="url"
          label={strings.newMonitor.url}
          hint={strings.newMonitor.urlHint}
          type="url"
          required
          errors={errors}
        />
        <Field
          name="intervalSeconds"
          label={strings.newMonitor.interval}
          type="number"
          min={1}
          value="60"
          errors={errors}
        />
        <p class="actions">
          <button type="submit" disabled={busy}>
            {strings.newMonitor.submit}
          </button>
          <a href={ROUTES.monitors} onClick={onLink(ROUTES.monitors)}>
            {strings.newMonitor.cancel}
          </a>
        </p>
      </form>
    </Page>
  );
}
