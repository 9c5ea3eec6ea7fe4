import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
// uPlot's own styles, bundled into the app's stylesheet (the CSP allows no inline <style>).
import 'uplot/dist/uPlot.min.css';
import type { SeriesPoint } from './monitor-data';
import { strings } from '../../src/catalog';

/** The chart's height, px. */
const HEIGHT = 260;

function cssVariable(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/**
 * Response times (average, fastest, slowest per rollup bucket) with uPlot. Dragging across
 * it asks `onZoom` for that span, in ms, which the page reads again at a finer grain.
 */
export function ResponseChart(props: {
  /** The period's name, on the element for tests and styles. */
  range: string;
  points: readonly SeriesPoint[];
  /** The period shown, ms: the x axis spans it whatever the points cover. */
  from: number;
  to: number;
  label: string;
  onZoom: (from: number, to: number) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const zoom = useRef(props.onZoom);
  zoom.current = props.onZoom;
  // The chart takes its colours from the page's; a switch to light or dark draws it again.
  const [scheme, setScheme] = useState(0);
  useEffect(() => {
    const dark = matchMedia('(prefers-color-scheme: dark)');
    const redraw = () => setScheme((count) => count + 1);
    dark.addEventListener('change', redraw);
    return () => dark.removeEventListener('change', redraw);
  }, []);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const m = strings.monitor;
    const line = cssVariable('--accent');
    const faint = cssVariable('--muted');
    const grid = { stroke: cssVariable('--line'), width: 1 };
    const axis = { stroke: cssVariable('--fg'), grid, ticks: grid };
    const data: uPlot.AlignedData = [
      props.points.map((point) => point.at / 1000),
      props.points.map((point) => point.latencyAvg),
      props.points.map((point) => point.latencyMin),
      props.points.map((point) => point.latencyMax),
    ];
    const chart = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: HEIGHT,
        cursor: { drag: { x: true, y: false, setScale: false } },
        scales: {
          x: { time: true, range: () => [props.from / 1000, props.to / 1000] },
          y: { range: (_chart, _min, max) => [0, Math.max(10, max * 1.1)] },
        },
        axes: [
          axis,
          { ...axis, size: 72, values: (_chart, ticks) => ticks.map((tick) => `${tick} ms`) },
        ],
        series: [
          {},
          { label: m.average, stroke: line, width: 2 },
          { label: m.fastest, stroke: faint, width: 1, dash: [4, 4] },
          { label: m.slowest, stroke: faint, width: 1 },
        ],
        hooks: {
          setSelect: [
            (self) => {
              const { left, width } = self.select;
              if (width < 2) return;
              const from = self.posToVal(left, 'x') * 1000;
              const to = self.posToVal(left + width, 'x') * 1000;
              self.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              zoom.current(Math.floor(from), Math.ceil(to));
            },
          ],
        },
      },
      data,
      element,
    );
    const resized = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(280, element.clientWidth), height: HEIGHT }),
    );
    resized.observe(element);
    return () => {
      resized.disconnect();
      chart.destroy();
    };
  }, [props.points, props.from, props.to, scheme]);
  return (
    <div class="chart" data-range={props.range} ref={box} role="img" aria-label={props.label} />
  );
}
