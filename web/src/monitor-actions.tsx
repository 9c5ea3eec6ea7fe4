import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call } from './api';
import type { MonitorDoc } from './monitor-data';
import { navigate, ROUTES } from './router';
import { strings } from './strings';

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
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  // The confirmation takes the focus, so a keyboard or screen reader user meets it first.
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirm.current?.focus();
  }, [confirming]);
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
      {confirming ? (
        <div class="confirm" role="alertdialog" aria-label={a.delete}>
          <p>{a.confirmDelete(monitor.name)}</p>
          <button
            ref={confirm}
            type="button"
            class="danger"
            disabled={busy}
            onClick={() => void remove()}
          >
            {a.confirm}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            {a.cancel}
          </button>
        </div>
      ) : (
        <p class="actions">
          <button type="button" disabled={busy} onClick={() => void togglePause()}>
            {monitor.paused ? a.resume : a.pause}
          </button>
          <button type="button" class="secondary" onClick={props.onEdit}>
            {a.edit}
          </button>
          <button type="button" class="secondary" onClick={props.onClone}>
            {a.clone}
          </button>
          <button type="button" class="secondary danger" onClick={() => setConfirming(true)}>
            {a.delete}
          </button>
        </p>
      )}
    </div>
  );
}
