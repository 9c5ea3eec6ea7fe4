import { useState } from 'preact/hooks';
import { call, type Monitor } from './api';
import { ConfigListPage, type ItemFormProps } from './config-list';
import { DateTimeField, fromLocalInput, localInput } from './date-time';
import { Field, fieldAria, FieldNotes, FormActions, FormProblems, text, useSubmit } from './form';
import { strings } from '../../src/catalog';

/** A note the account writes for the page's visitors (src/model StatusNote). */
interface StatusNote {
  title: string;
  body: string;
  at: number;
  until?: number;
}

interface StatusPage {
  id: string;
  slug: string;
  title: string;
  description?: string;
  monitorIds: string[];
  showTargets: boolean;
  customDomain?: string;
  notes: StatusNote[];
  revision: number;
}

const FIELDS = [
  'slug',
  'title',
  'description',
  'monitorIds',
  'showTargets',
  'customDomain',
  'notes',
];
const NOTE_FIELDS = ['title', 'body', 'at', 'until'] as const;

/** The name of a note's field in the form, as the server names its problems: `notes.0.title`. */
const noteField = (index: number, field: (typeof NOTE_FIELDS)[number]) => `notes.${index}.${field}`;

/**
 * The monitors chosen, in the page's order: those it showed keep their places, new ones
 * follow in the order of the list.
 */
function inPageOrder(before: readonly string[], chosen: readonly string[]): string[] {
  return [
    ...before.filter((id) => chosen.includes(id)),
    ...chosen.filter((id) => !before.includes(id)),
  ];
}

/**
 * The account's public status pages: each links to its public address; a role that may
 * change them edits (title, slug, monitors, custom domain, notes for visitors) and deletes
 * them, and makes new ones. A viewer reads the list only.
 */
export function StatusPagesPage({ canEdit }: { canEdit: boolean }) {
  const [monitors, setMonitors] = useState<Monitor[]>([]);
  const s = strings.statusPages;
  return (
    <ConfigListPage<StatusPage>
      path="/api/v1/status-pages"
      nameOf={(page) => page.title}
      rowHeader={(page) => <a href={s.address(page.slug)}>{page.title}</a>}
      title={s.title}
      empty={s.empty}
      caption={s.caption}
      columns={[s.columns.address, s.columns.monitors, s.columns.notes]}
      cells={(page) => (
        <>
          <td>
            {s.address(page.slug)}
            {page.customDomain && <> {s.atDomain(page.customDomain)}</>}
          </td>
          <td>{s.monitorCount(page.monitorIds.length)}</td>
          <td>{s.noteCount(page.notes.length)}</td>
        </>
      )}
      confirmDelete={s.confirmDelete}
      add={s.add}
      submit={s.submit}
      editTitle={s.editTitle}
      canEdit={canEdit}
      also={async () => {
        const { items } = await call<{ items: Monitor[] }>('GET', '/api/v1/monitors');
        setMonitors(items);
      }}
      form={(props) => <StatusPageForm {...props} monitors={monitors} />}
    />
  );
}

/** A note in the form: its key keeps its inputs when another note before it is removed. */
interface NoteRow {
  key: number;
  note: StatusNote;
}

function StatusPageForm(props: ItemFormProps<StatusPage> & { monitors: Monitor[] }) {
  const edited = props.item;
  const [notes, setNotes] = useState<NoteRow[]>(
    () => edited?.notes.map((note, key) => ({ key, note })) ?? [],
  );
  const [nextKey, setNextKey] = useState(notes.length);
  // Each note's fields by index, so the server's `notes.1.until` shows beside its field.
  const shown = [
    ...FIELDS,
    ...notes.flatMap((_, index) => NOTE_FIELDS.map((field) => noteField(index, field))),
  ];
  const { errors, busy, onSubmit } = useSubmit(shown, async (data) => {
    // An emptied optional field is removed on an edit (null); a new page just leaves it out.
    const none = edited ? null : undefined;
    const body = {
      slug: text(data, 'slug'),
      title: text(data, 'title'),
      description: text(data, 'description') || none,
      monitorIds: inPageOrder(edited?.monitorIds ?? [], data.getAll('monitorIds').map(String)),
      showTargets: data.get('showTargets') === 'on',
      customDomain: text(data, 'customDomain') || none,
      notes: notes.map((_, index) => {
        const until = text(data, noteField(index, 'until'));
        return {
          title: text(data, noteField(index, 'title')),
          body: text(data, noteField(index, 'body')),
          at: fromLocalInput(text(data, noteField(index, 'at'))),
          ...(until === '' ? {} : { until: fromLocalInput(until) }),
        };
      }),
    };
    if (edited) {
      await call('PATCH', `/api/v1/status-pages/${edited.id}`, {
        ...body,
        revision: edited.revision,
      });
    } else {
      await call('POST', '/api/v1/status-pages', body);
    }
    await props.onSaved();
  });
  const s = strings.statusPages;
  const monitorsAria = fieldAria('monitorIds', errors);
  const notesAria = fieldAria('notes', errors, s.notesHint);
  const addNote = () => {
    // A new note is shown from now on, until it is removed or given an end.
    setNotes([...notes, { key: nextKey, note: { title: '', body: '', at: Date.now() } }]);
    setNextKey(nextKey + 1);
  };
  return (
    <form onSubmit={onSubmit}>
      <FormProblems errors={errors} />
      <Field
        name="slug"
        label={s.slug}
        hint={s.slugHint}
        value={edited?.slug}
        required
        errors={errors}
      />
      <Field name="title" label={s.pageTitle} value={edited?.title} required errors={errors} />
      <div class="field">
        <label for="field-description">{s.description}</label>
        <textarea
          {...fieldAria('description', errors)}
          name="description"
          rows={3}
          defaultValue={edited?.description}
        />
        <FieldNotes name="description" errors={errors} />
      </div>
      <fieldset aria-describedby={monitorsAria['aria-describedby']}>
        <legend>{s.monitors}</legend>
        {props.monitors.map((monitor) => (
          <label key={monitor.id} class="choice">
            <input
              type="checkbox"
              name="monitorIds"
              value={monitor.id}
              defaultChecked={edited?.monitorIds.includes(monitor.id) === true}
            />{' '}
            {monitor.name}
          </label>
        ))}
        <FieldNotes name="monitorIds" errors={errors} />
      </fieldset>
      <label class="choice">
        <input type="checkbox" name="showTargets" defaultChecked={edited?.showTargets === true} />{' '}
        {s.showTargets}
      </label>
      <Field
        name="customDomain"
        label={s.customDomain}
        hint={s.customDomainHint}
        value={edited?.customDomain}
        errors={errors}
      />
      <fieldset aria-describedby={notesAria['aria-describedby']}>
        <legend>{s.notes}</legend>
        <FieldNotes name="notes" errors={errors} hint={s.notesHint} />
        {notes.map((row, index) => (
          <fieldset key={row.key} class="note">
            <legend>{s.note(index + 1)}</legend>
            <Field
              name={noteField(index, 'title')}
              label={s.noteTitle}
              value={row.note.title}
              required
              errors={errors}
            />
            <div class="field">
              <label for={`field-${noteField(index, 'body')}`}>{s.noteBody}</label>
              <textarea
                {...fieldAria(noteField(index, 'body'), errors)}
                name={noteField(index, 'body')}
                rows={3}
                defaultValue={row.note.body}
              />
              <FieldNotes name={noteField(index, 'body')} errors={errors} />
            </div>
            <DateTimeField
              name={noteField(index, 'at')}
              label={s.noteAt}
              value={localInput(row.note.at)}
              required
              errors={errors}
            />
            <DateTimeField
              name={noteField(index, 'until')}
              label={s.noteUntil}
              value={row.note.until === undefined ? undefined : localInput(row.note.until)}
              errors={errors}
            />
            <button
              type="button"
              class="secondary"
              onClick={() => setNotes(notes.filter((other) => other !== row))}
            >
              {s.removeNote(index + 1)}
            </button>
          </fieldset>
        ))}
        <p>
          <button type="button" class="secondary" onClick={addNote}>
            {s.addNote}
          </button>
        </p>
      </fieldset>
      <FormActions submitLabel={props.submitLabel} busy={busy} cancel={props.cancel} />
    </form>
  );
}
