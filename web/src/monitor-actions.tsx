import { useState } from 'preact/hooks';
import { ApiError, call } from './api';
import { useConfirmation } from './form';
import type { MonitorDoc } from './monitor-data';
import { navigate, ROUTES } from './router';
import { strings } from '../../src/catalog';

/**
 * Every control that changes a monitor, in one place (a role that may only read leaves this
 * out): pause or resume, edit, clone, and delete after a confirmation.
 */
export function MonitorActions(props: {
  monitor: MonitorDoc;
  onChanged: (monitor: MonitorDoc) => void;
  onEdit: () => void;
  onClone: () => void;
}) {
  const { monitor } = props;
  const a = strings.actions;
  const confirmation = useConfirmation();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setProblem(undefined);
    try {
      await action();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : strings.errors.network);
    } finally {
      setBusy(false);
    }
  };
  const togglePause = () =>
    act(async () => {
      const changed = await call<MonitorDoc>('PATCH', `/api/v1/monitors/${monitor.id}`, {
        paused: !monitor.paused,
        revision: monitor.revision,
      });
      props.onChanged(changed);
    });
  const remove = () =>
    act(async () => {
      await call('DELETE', `/api/v1/monitors/${monitor.id}`);
      navigate(ROUTES.monitors);
    });
  return (
    <div class="monitor-actions" role="group" aria-label={a.label}>
      {problem && (
        <p class="problems" role="alert">
          {problem}
        </p>
      )}
      {confirmation.asking ? (
        <div
          class="confirm"
          role="alertdialog"
          aria-label={a.delete}
          onKeyDown={confirmation.onKeyDown}
        >
          <p>{a.confirmDelete(monitor.name)}</p>
          <button
            ref={confirmation.confirmRef}
            type="button"
            class="danger"
            disabled={busy}
            onClick={() => void remove()}
          >
            {a.confirm}
          </button>
          <button type="button" class="secondary" onClick={confirmation.keep}>
            {a.cancel}
          </button>
        </div>
      ) : (
        <p class="actions">
          {/* Not `disabled` while busy: that would drop the focus of a keyboard user. */}
          <button
            type="button"
            aria-disabled={busy}
            onClick={() => {
              if (!busy) void togglePause();
            }}
          >
            {monitor.paused ? a.resume : a.pause}
          </button>
          <button type="button" class="secondary" onClick={props.onEdit}>
            {a.edit}
          </button>
          <button type="button" class="secondary" onClick={props.onClone}>
            {a.clone}
          </button>
          <button
            ref={confirmation.askRef}
            type="button"
            class="secondary danger"
            onClick={confirmation.ask}
          >
            {a.delete}
          </button>
        </p>
      )}
    </div>
  );
}
