import { useEffect, useRef, useState } from 'preact/hooks';
import type { StateItem } from './api';

/** How long state changes gather before the page shows them, ms. */
const BATCH_MS = 200;

/** What a page does with the event stream besides keeping the states. */
export interface LiveHandlers {
  /** Told of each batch of states (the snapshot, then the changes), in order. */
  onItems?: (items: readonly StateItem[]) => void;
  /** Whether the page knows the monitor; `onUnknown` is told when a state names one it does not. */
  known?: (monitorId: string) => boolean;
  /** A state named a monitor the page does not know (created in another tab or on another node). */
  onUnknown?: () => void;
}

/**
 * States by monitor id from the account's event stream: its snapshot, then each change, live.
 * `live` says whether the stream is open (EventSource reconnects by itself).
 */
export function useLiveStates(handlers: LiveHandlers = {}): {
  states: ReadonlyMap<string, StateItem>;
  live: boolean;
} {
  const [states, setStates] = useState<ReadonlyMap<string, StateItem>>(new Map());
  const [live, setLive] = useState(false);
  // The stream opens once per page; the handlers read the page's latest state when told.
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const told = (items: readonly StateItem[]) => {
      const { onItems, known, onUnknown } = latest.current;
      onItems?.(items);
      if (known && onUnknown && items.some((item) => !known(item.monitorId))) onUnknown();
    };
    // Changes are laid over the states in batches: with thousands of monitors, events come
    // by the hundred each second, and each batch copies the map and redraws the list once.
    let pending = new Map<string, StateItem>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const source = new EventSource('/api/v1/events');
    source.addEventListener('open', () => setLive(true));
    source.addEventListener('error', () => setLive(false));
    source.addEventListener('snapshot', (event) => {
      const { items } = JSON.parse((event as MessageEvent<string>).data) as { items: StateItem[] };
      // A snapshot (after a reconnect too) is newer than any change still gathering.
      pending = new Map();
      setStates(new Map(items.map((item) => [item.monitorId, item])));
      told(items);
    });
    const flush = () => {
      const batch = pending;
      pending = new Map();
      timer = undefined;
      setStates((current) => {
        const next = new Map(current);
        for (const [id, item] of batch) next.set(id, item);
        return next;
      });
      told([...batch.values()]);
    };
    source.addEventListener('state', (event) => {
      const item = JSON.parse((event as MessageEvent<string>).data) as StateItem;
      pending.set(item.monitorId, item);
      timer ??= setTimeout(flush, BATCH_MS);
    });
    return () => {
      source.close();
      clearTimeout(timer);
    };
  }, []);
  return { states, live };
}
