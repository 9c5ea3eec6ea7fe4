import { useState } from 'preact/hooks';
import { ConfigListPage, type ItemFormProps } from './config-list';
import { call, type Monitor } from './api';
import { browserZone, DateTimeField, fromLocalInput, localInput } from './date-time';
import { Field, fieldAria, FieldNotes, FormActions, FormProblems, text, useSubmit } from './form';
import { strings } from '../../src/catalog';

type Schedule =
  | { kind: 'once'; startsAt: number; endsAt: number }
  | {
      kind: 'recurring';
      every: 'day' | 'week';
      weekdays: number[];
      startTime: string;
      durationMinutes: number;
      timeZone?: string;
    };

interface MaintenanceWindow {
  id: string;
  name: string;
  monitorIds: string[] | null;
  schedule: Schedule;
  revision: number;
}

const FIELDS = [
  'name',
  'monitorIds',
  'schedule.kind',
  'schedule.startsAt',
  'schedule.endsAt',
  'schedule.every',
  'schedule.weekdays',
  'schedule.startTime',
  'schedule.durationMinutes',
  'schedule.timeZone',
];

/** A number typed in; as typed when it is not one, for the server to name the problem. */
function numberOr(value: string): number | string {
  const number = Number(value);
  return value.trim() === '' || !Number.isFinite(number) ? value : number;
}

function describe(schedule: Schedule): string {
  const m = strings.maintenance;
  if (schedule.kind === 'once') {
    return m.once(
      new Date(schedule.startsAt).toLocaleString(),
      new Date(schedule.endsAt).toLocaleString(),
      browserZone(),
    );
  }
  const zone = schedule.timeZone ?? 'UTC';
  if (schedule.every === 'day') return m.daily(schedule.startTime, schedule.durationMinutes, zone);
  const days = schedule.weekdays.map((day) => m.weekdayNames[day] ?? String(day)).join(', ');
  return m.weekly(days, schedule.startTime, schedule.durationMinutes, zone);
}

/** The account's maintenance windows: list, edit, delete, and a new one. */
export function MaintenancePage({ canEdit }: { canEdit: boolean }) {
  const [monitors, setMonitors] = useState<Monitor[]>([]);
  const m = strings.maintenance;
  return (
    <ConfigListPage<MaintenanceWindow>
      path="/api/v1/maintenance"
      nameOf={(window) => window.name}
      title={m.title}
      intro={m.intro}
      empty={m.empty}
      caption={m.caption}
      columns={[m.columns.when, m.columns.monitors]}
      cells={(window) => (
        <>
          <td>{describe(window.schedule)}</td>
          <td>
            {window.monitorIds === null ? m.allMonitors : m.someMonitors(window.monitorIds.length)}
          </td>
        </>
      )}
      confirmDelete={m.confirmDelete}
      add={m.add}
      submit={m.submit}
      editTitle={m.editTitle}
      canEdit={canEdit}
      also={async () => {
        const { items } = await call<{ items: Monitor[] }>('GET', '/api/v1/monitors');
        setMonitors(items);
      }}
      form={(props) => <MaintenanceForm {...props} monitors={monitors} />}
    />
  );
}

/**
 * A maintenance window: once (between two times on the browser's clock) or recurring (daily
 * or on weekdays, at a time on the clock of a time zone), over every monitor or some.
 */
function MaintenanceForm(props: ItemFormProps<MaintenanceWindow> & { monitors: Monitor[] }) {
  const edited = props.item;
  const before = edited?.schedule;
  const [kind, setKind] = useState<Schedule['kind']>(before?.kind ?? 'recurring');
  const recurring = before?.kind === 'recurring' ? before : undefined;
  const once = before?.kind === 'once' ? before : undefined;
  const [every, setEvery] = useState(recurring?.every ?? 'day');
  const { errors, busy, onSubmit } = useSubmit(FIELDS, async (data) => {
    const chosen = data.getAll('monitorIds').map(String);
    const schedule =
      kind === 'once'
        ? {
            kind,
            startsAt: fromLocalInput(text(data, 'schedule.startsAt')),
            endsAt: fromLocalInput(text(data, 'schedule.endsAt')),
          }
        : {
            kind,
            every,
            weekdays: every === 'week' ? data.getAll('schedule.weekdays').map(Number) : [],
            startTime: text(data, 'schedule.startTime'),
            durationMinutes: numberOr(text(data, 'schedule.durationMinutes')),
            timeZone: text(data, 'schedule.timeZone'),
          };
    const body = {
      name: text(data, 'name'),
      // None chosen covers every monitor, those made later too.
      monitorIds: chosen.length === 0 ? null : chosen,
      schedule,
    };
    if (edited) {
      await call('PATCH', `/api/v1/maintenance/${edited.id}`, {
        ...body,
        revision: edited.revision,
      });
    } else {
      await call('POST', '/api/v1/maintenance', body);
    }
    await props.onSaved();
  });
  const m = strings.maintenance;
  const monitorsAria = fieldAria('monitorIds', errors, m.monitorsHint);
  const weekdaysAria = fieldAria('schedule.weekdays', errors);
  return (
    <form onSubmit={onSubmit}>
      <FormProblems errors={errors} />
      <Field name="name" label={m.name} value={edited?.name} required errors={errors} />
      <fieldset aria-describedby={monitorsAria['aria-describedby']}>
        <legend>{m.monitors}</legend>
        {props.monitors.map((monitor) => (
          <label key={monitor.id} class="choice">
            <input
              type="checkbox"
              name="monitorIds"
              value={monitor.id}
              defaultChecked={edited?.monitorIds?.includes(monitor.id) === true}
            />{' '}
            {monitor.name}
          </label>
        ))}
        <FieldNotes name="monitorIds" errors={errors} hint={m.monitorsHint} />
      </fieldset>
      <div class="field">
        <label for="field-schedule.kind">{m.kind}</label>
        <select
          {...fieldAria('schedule.kind', errors)}
          name="schedule.kind"
          value={kind}
          onChange={(event) => setKind(event.currentTarget.value as Schedule['kind'])}
        >
          <option value="once">{m.kinds.once}</option>
          <option value="recurring">{m.kinds.recurring}</option>
        </select>
        <FieldNotes name="schedule.kind" errors={errors} />
      </div>
      {kind === 'once' ? (
        <>
          <DateTimeField
            name="schedule.startsAt"
            label={m.startsAt}
            value={once && localInput(once.startsAt)}
            required
            errors={errors}
          />
          <DateTimeField
            name="schedule.endsAt"
            label={m.endsAt}
            value={once && localInput(once.endsAt)}
            required
            errors={errors}
          />
        </>
      ) : (
        <>
          <div class="field">
            <label for="field-schedule.every">{m.every}</label>
            <select
              {...fieldAria('schedule.every', errors)}
              name="schedule.every"
              value={every}
              onChange={(event) => setEvery(event.currentTarget.value as 'day' | 'week')}
            >
              <option value="day">{m.everyChoices.day}</option>
              <option value="week">{m.everyChoices.week}</option>
            </select>
            <FieldNotes name="schedule.every" errors={errors} />
          </div>
          {every === 'week' && (
            <fieldset aria-describedby={weekdaysAria['aria-describedby']}>
              <legend>{m.weekdays}</legend>
              {m.weekdayNames.map((day, index) => (
                <label key={day} class="choice">
                  <input
                    type="checkbox"
                    name="schedule.weekdays"
                    value={String(index)}
                    defaultChecked={recurring?.weekdays.includes(index) === true}
                  />{' '}
                  {day}
                </label>
              ))}
              <FieldNotes name="schedule.weekdays" errors={errors} />
            </fieldset>
          )}
          <div class="field">
            <label for="field-schedule.startTime">{m.startTime}</label>
            <input
              {...fieldAria('schedule.startTime', errors)}
              type="time"
              name="schedule.startTime"
              defaultValue={recurring?.startTime}
              required
            />
            <FieldNotes name="schedule.startTime" errors={errors} />
          </div>
          <Field
            name="schedule.durationMinutes"
            label={m.durationMinutes}
            type="number"
            value={recurring && String(recurring.durationMinutes)}
            required
            errors={errors}
          />
          <div class="field">
            <label for="field-schedule.timeZone">{m.timeZone}</label>
            <input
              {...fieldAria('schedule.timeZone', errors, m.timeZoneHint)}
              name="schedule.timeZone"
              list="time-zones"
              defaultValue={recurring?.timeZone ?? browserZone()}
              required
              spellcheck={false}
            />
            <datalist id="time-zones">
              {Intl.supportedValuesOf('timeZone').map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
            <FieldNotes name="schedule.timeZone" errors={errors} hint={m.timeZoneHint} />
          </div>
        </>
      )}
      <FormActions submitLabel={props.submitLabel} busy={busy} cancel={props.cancel} />
    </form>
  );
}
