import { useState } from 'preact/hooks';
import { ConfigListPage, type ItemFormProps } from './config-list';
import { ApiError, call } from './api';
import {
  fieldAria,
  FieldNotes,
  FormActions,
  FormProblems,
  text,
  TypeSelect,
  useSubmit,
} from './form';
import {
  filledValues,
  SchemaInput,
  fieldHints,
  schemaFields,
  useDescription,
  type TypeDescription,
} from './schema-form';
import { strings } from '../../src/catalog';

interface Channel {
  id: string;
  type: string;
  name: string;
  /** Secret fields read back masked. */
  config: Record<string, unknown>;
  revision: number;
}

interface Delivery {
  id: string;
  status: 'pending' | 'sent' | 'failed';
  lastError: string | null;
}

/** A channel type's name in words. */
function typeName(type: string): string {
  const names: Record<string, string> = strings.channelTypes;
  return names[type] ?? type;
}

/** The account's notification channels: list, send a test, edit, delete, and a new one. */
export function ChannelsPage({ canEdit }: { canEdit: boolean }) {
  const description = useDescription<{ items: TypeDescription[] }>('/api/v1/channel-types');
  const types = description && !(description instanceof Error) ? description.items : [];
  const s = strings.channels;
  return (
    <>
      {description instanceof Error && <p role="alert">{strings.errors.network}</p>}
      <ConfigListPage<Channel>
        path="/api/v1/channels"
        nameOf={(channel) => channel.name}
        title={s.title}
        empty={s.empty}
        caption={s.caption}
        columns={[s.type]}
        cells={(channel) => <td>{typeName(channel.type)}</td>}
        actions={(channel) => <TestButton channel={channel} />}
        confirmDelete={s.confirmDelete}
        add={s.add}
        submit={s.submit}
        editTitle={s.editTitle}
        canEdit={canEdit}
        form={(props) => <ChannelForm {...props} types={types} />}
      />
    </>
  );
}

/**
 * A channel's name, type and its type's settings (from the API's description of each type).
 * Editing sends the whole config: a secret left masked keeps the stored one.
 */
function ChannelForm(props: ItemFormProps<Channel> & { types: TypeDescription[] }) {
  const channel = props.item;
  const [type, setType] = useState(channel?.type ?? 'webhook');
  const chosen = props.types.find((item) => item.type === type);
  const fields = chosen
    ? schemaFields(
        chosen.schema,
        fieldHints('channel', chosen.type),
        chosen.secretFields,
        'config.',
      )
    : [];
  const { errors, busy, onSubmit } = useSubmit(
    ['name', 'type', ...fields.map((field) => field.name)],
    async (data) => {
      const body = { name: text(data, 'name'), config: filledValues(fields, data) };
      if (channel) {
        await call('PATCH', `/api/v1/channels/${channel.id}`, {
          ...body,
          revision: channel.revision,
        });
      } else {
        await call('POST', '/api/v1/channels', { ...body, type });
      }
      await props.onSaved();
    },
  );
  const s = strings.channels;
  return (
    <form onSubmit={onSubmit}>
      <FormProblems errors={errors} />
      <div class="field">
        <label for="field-name">{strings.fieldNames.name}</label>
        <input {...fieldAria('name', errors)} name="name" defaultValue={channel?.name} required />
        <FieldNotes name="name" errors={errors} />
      </div>
      <TypeSelect
        label={s.type}
        value={type}
        types={props.types.map((item) => item.type)}
        nameOf={typeName}
        onChange={setType}
        errors={errors}
        disabled={channel !== undefined}
      />
      <fieldset key={type}>
        <legend>{s.settings(typeName(type))}</legend>
        {fields.map((field) => (
          <SchemaInput
            key={field.name}
            field={field}
            errors={errors}
            value={channel?.config[field.key]}
          />
        ))}
      </fieldset>
      <FormActions submitLabel={props.submitLabel} busy={busy || !chosen} cancel={props.cancel} />
    </form>
  );
}

/** How long "send test" follows its delivery before saying it still waits. */
const TEST_WAIT_MS = 15_000;
const TEST_POLL_MS = 500;

/** Queues a test message and says what became of it (sent, or the error that stopped it). */
function TestButton({ channel }: { channel: Channel }) {
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const s = strings.channels;
  const send = async () => {
    setBusy(true);
    setMessage(s.testQueued);
    try {
      const { deliveryId } = await call<{ deliveryId: string }>(
        'POST',
        `/api/v1/channels/${channel.id}/test`,
      );
      const until = Date.now() + TEST_WAIT_MS;
      for (;;) {
        const { items } = await call<{ items: Delivery[] }>('GET', '/api/v1/deliveries?limit=50');
        const delivery = items.find((item) => item.id === deliveryId);
        if (delivery?.status === 'sent') return setMessage(s.testSent);
        // A retry keeps it pending; its last error says why meanwhile.
        if (delivery?.status === 'failed' || (delivery?.lastError && Date.now() > until))
          return setMessage(s.testFailed(delivery.lastError ?? ''));
        if (Date.now() > until) return setMessage(s.testPending);
        await new Promise((resolve) => setTimeout(resolve, TEST_POLL_MS));
      }
    } catch (error) {
      setMessage(error instanceof ApiError ? error.message : strings.errors.network);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        aria-label={s.testLabel(channel.name)}
        disabled={busy}
        onClick={() => void send()}
      >
        {s.test}
      </button>{' '}
      <span role="status" class="hint">
        {message}
      </span>{' '}
    </>
  );
}
