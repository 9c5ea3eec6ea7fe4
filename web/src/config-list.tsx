import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api';
import { Page, RowActions } from './form';
import { strings } from '../../src/catalog';

/** The props of a config entity's form: a new one, or `item` edited. */
export interface ItemFormProps<T> {
  item?: T;
  submitLabel: string;
  onSaved: () => Promise<void>;
  cancel?: () => void;
}

/**
 * A page of one kind of config entity (channels, maintenance windows, status pages): the
 * account's items in a table, each with edit and delete for a role that may change them, and
 * a form for a new one; an edit shows the form filled in, alone.
 */
export function ConfigListPage<T extends { id: string }>(props: {
  /** The collection, e.g. `/api/v1/channels`. */
  path: string;
  title: string;
  intro?: string;
  empty: string;
  caption: string;
  /** What names an item in its row, its controls and its edit's title. */
  nameOf: (item: T) => string;
  /** The row's first cell. @defaultValue the item's name */
  rowHeader?: (item: T) => ComponentChildren;
  /** The headers of the columns after the name, and each item's cells in them. */
  columns: readonly string[];
  cells: (item: T) => ComponentChildren;
  /** Controls of a row before Edit and Delete (e.g. "send test"). */
  actions?: (item: T) => ComponentChildren;
  confirmDelete: (name: string) => string;
  add: string;
  submit: string;
  editTitle: (name: string) => string;
  canEdit: boolean;
  /** Read again with the items (e.g. the monitors a form offers). */
  also?: () => Promise<void>;
  form: (props: ItemFormProps<T>) => ComponentChildren;
}) {
  const [items, setItems] = useState<T[] | undefined>(undefined);
  const [editing, setEditing] = useState<T | undefined>(undefined);
  const load = async () => {
    const [list] = await Promise.all([call<{ items: T[] }>('GET', props.path), props.also?.()]);
    setItems(list.items);
  };
  useEffect(() => {
    void load().catch(() => setItems([]));
  }, []);
  if (editing) {
    return (
      <Page title={props.editTitle(props.nameOf(editing))}>
        {props.form({
          item: editing,
          submitLabel: strings.form.save,
          onSaved: async () => {
            setEditing(undefined);
            await load();
          },
          cancel: () => setEditing(undefined),
        })}
      </Page>
    );
  }
  return (
    <Page title={props.title}>
      {props.intro && <p>{props.intro}</p>}
      {items === undefined ? (
        <p>{strings.loading}</p>
      ) : items.length === 0 ? (
        <p>{props.empty}</p>
      ) : (
        <table class="list">
          <caption>{props.caption}</caption>
          <thead>
            <tr>
              <th scope="col">{strings.form.columns.name}</th>
              {props.columns.map((column) => (
                <th key={column} scope="col">
                  {column}
                </th>
              ))}
              {props.canEdit && <th scope="col">{strings.form.columns.actions}</th>}
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id}>
                <th scope="row">{props.rowHeader?.(item) ?? props.nameOf(item)}</th>
                {props.cells(item)}
                {props.canEdit && (
                  <td class="actions">
                    {props.actions?.(item)}
                    <RowActions
                      name={props.nameOf(item)}
                      question={props.confirmDelete(props.nameOf(item))}
                      onEdit={() => setEditing(item)}
                      remove={async () => {
                        await call('DELETE', `${props.path}/${item.id}`);
                        await load();
                      }}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.canEdit && (
        <>
          <h2>{props.add}</h2>
          {/* A new key after each item made: the form starts empty again. */}
          <div key={items?.length}>{props.form({ submitLabel: props.submit, onSaved: load })}</div>
        </>
      )}
    </Page>
  );
}
