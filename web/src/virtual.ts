import { useEffect, useState } from 'preact/hooks';

/** Rows drawn beyond each edge of the view, so a quick scroll shows no gap. */
const OVERSCAN = 8;

/** The rows of a long list to draw: [start, end), and the space above and below them, px. */
export interface VisibleRows {
  start: number;
  end: number;
  before: number;
  after: number;
}

/** The rows of `count` rows of `rowPx` each that a view `viewPx` high scrolled `scrollPx` shows. */
export function visibleRows(
  count: number,
  rowPx: number,
  scrollPx: number,
  viewPx: number,
): VisibleRows {
  // A list that just got shorter may still hold a scroll position past its end.
  const scroll = Math.min(scrollPx, Math.max(0, count * rowPx - viewPx));
  const start = Math.max(0, Math.floor(scroll / rowPx) - OVERSCAN);
  const end = Math.min(count, Math.ceil((scroll + viewPx) / rowPx) + OVERSCAN);
  return { start, end, before: start * rowPx, after: (count - end) * rowPx };
}

/**
 * A virtual list: only the rows in view of the scrolling element given to `ref` (and a few
 * more) are drawn, whatever `count` is, so 10,000 monitors cost the page what 40 do.
 */
export function useVisibleRows(
  count: number,
  rowPx: number,
): { ref: (element: HTMLElement | null) => void; rows: VisibleRows } {
  const [element, setElement] = useState<HTMLElement | null>(null);
  const [view, setView] = useState({ scroll: 0, height: 800 });
  useEffect(() => {
    if (!element) return;
    let frame = 0;
    const update = () => {
      frame = 0;
      setView({ scroll: element.scrollTop, height: element.clientHeight });
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    update();
    element.addEventListener('scroll', schedule, { passive: true });
    const resized = new ResizeObserver(schedule);
    resized.observe(element);
    return () => {
      element.removeEventListener('scroll', schedule);
      resized.disconnect();
      cancelAnimationFrame(frame);
    };
  }, [element]);
  return { ref: setElement, rows: visibleRows(count, rowPx, view.scroll, view.height) };
}
