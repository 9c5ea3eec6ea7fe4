import { useEffect, useRef, useState } from 'preact/hooks';
import type { StateItem } from './api';

/**
 * States by monitor id from the account's event stream: its snapshot, then each change, live.
 * `live` says whether the stream is open (EventSource reconnects by itself). `onUnknown` is
 * told of a state for a monitor the page does not know yet (created in another tab, or on
 * another node), so it can read its list again.
 */
export function useLiveStates(
  known?: (monitorId: string) => boolean,
  onUnknown?: () => void,
): { states: ReadonlyMap<string, StateItem>; live: boolean } {
  const [states, setStates] = useState<ReadonlyMap<string, StateItem>>(new Map());
  const [live, setLive] = useState(false);
  // The stream opens once per page; these read the page's latest list when an event comes.
  const handlers = useRef({ known, onUnknown });
  handlers.current = { known, onUnknown };
  useEffect(() => {
    const unknown = (ids: readonly string[]) => {
      const { known, onUnknown } = handlers.current;
      if (known && onUnknown && ids.some((id) => !known(id))) onUnknown();
    };
    const source = new EventSource('/api/v1/events');
    source.addEventListener('open', () => setLive(true));
    source.addEventListener('error', () => setLive(false));
    source.addEventListener('snapshot', (event) => {
      const { items } = JSON.parse((event as MessageEvent<string>).data) as { items: StateItem[] };
      setStates(new Map(items.map((item) => [item.monitorId, item])));
      unknown(items.map((item) => item.monitorId));
    });
    source.addEventListener('state', (event) => {
      const item = JSON.parse((event as MessageEvent<string>).data) as StateItem;
      setStates((current) => new Map(current).set(item.monitorId, item));
      unknown([item.monitorId]);
    });
    return () => source.close();
  }, []);
  return { states, live };
}
