import { useEffect, useState } from 'preact/hooks';
import { call, type Monitor } from './api';
import { Field, FormProblems, Page, text, useSubmit } from './form';
import { strings } from './strings';

interface StatusPage {
  id: string;
  slug: string;
  title: string;
  monitorIds: string[];
}

const FIELDS = ['slug', 'title', 'monitorIds', 'showTargets'];

/** The account's public status pages, and a form for a new one. */
export function StatusPagesPage() {
  const [pages, setPages] = useState<StatusPage[] | undefined>(undefined);
  const [monitors, setMonitors] = useState<Monitor[]>([]);
  const load = async () => {
    const [pageList, monitorList] = await Promise.all([
      call<{ items: StatusPage[] }>('GET', '/api/v1/status-pages'),
      call<{ items: Monitor[] }>('GET', '/api/v1/monitors'),
    ]);
    setPages(pageList.items);
    setMonitors(monitorList.items);
  };
  useEffect(() => {
    void load().catch(() => setPages([]));
  }, []);
  const { errors, busy, onSubmit } = useSubmit(FIELDS, async (data) => {
    await call('POST', '/api/v1/status-pages', {
      slug: text(data, 'slug'),
      title: text(data, 'title'),
      monitorIds: data.getAll('monitorIds').map(String),
      showTargets: data.get('showTargets') === 'on',
    });
    await load();
  });
  const monitorsError = errors.fields.monitorIds;
  const s = strings.statusPages;
  return (
    <Page title={s.title}>
      {pages === undefined ? (
        <p>{strings.loading}</p>
      ) : pages.length === 0 ? (
        <p>{s.empty}</p>
      ) : (
        <ul class="status-pages">
          {pages.map((page) => (
            <li key={page.id}>
              <a href={`/status/${page.slug}`}>{page.title}</a>{' '}
              <span class="hint">{s.summary(page.slug, page.monitorIds.length)}</span>
            </li>
          ))}
        </ul>
      )}
      <h2>{s.add}</h2>
      {/* A new key after each page made: the form starts empty again. */}
      <form key={pages?.length} onSubmit={onSubmit}>
        <FormProblems errors={errors} />
        <Field name="slug" label={s.slug} hint={s.slugHint} required errors={errors} />
        <Field name="title" label={s.pageTitle} required errors={errors} />
        <fieldset aria-describedby={monitorsError ? 'field-monitorIds-error' : undefined}>
          <legend>{s.monitors}</legend>
          {monitors.map((monitor) => (
            <label key={monitor.id} class="choice">
              <input type="checkbox" name="monitorIds" value={monitor.id} /> {monitor.name}
            </label>
          ))}
          {monitorsError && (
            <p id="field-monitorIds-error" class="field-error">
              {monitorsError}
            </p>
          )}
        </fieldset>
        <label class="choice">
          <input type="checkbox" name="showTargets" /> {s.showTargets}
        </label>
        <p class="actions">
          <button type="submit" disabled={busy}>
            {s.submit}
          </button>
        </p>
      </form>
    </Page>
  );
}
