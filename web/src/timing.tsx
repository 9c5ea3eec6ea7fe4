import type { StoredResult } from './monitor-data';
import { strings } from '../../src/catalog';

/** The parts of an HTTP check's time, in the order it goes through them. */
const PARTS = ['dns', 'connect', 'tls', 'firstByte', 'rest'] as const;
type Part = (typeof PARTS)[number];

/** Each part's ms; undefined: the check did not go through it (no lookup, no TLS). */
type Breakdown = Record<Part, number | undefined>;

/**
 * A result's time in parts: the measured phases, and the rest of its latency (the body, and
 * redirects before the final request); undefined for a result without timing.
 */
export function breakdownOf(result: StoredResult): Breakdown | undefined {
  const timing = result.timing;
  if (!timing) return undefined;
  const phases = {
    dns: timing.dnsMs,
    connect: timing.connectMs,
    tls: timing.tlsMs,
    firstByte: timing.firstByteMs,
  };
  const measured = Object.values(phases).reduce<number>((sum, ms) => sum + (ms ?? 0), 0);
  return { ...phases, rest: Math.max(0, result.latencyMs - measured) };
}

/** Each part's mean over the breakdowns that went through it. */
function averageOf(breakdowns: readonly Breakdown[]): Breakdown {
  const mean = (part: Part) => {
    const values = breakdowns.flatMap((b) => (b[part] === undefined ? [] : [b[part]]));
    return values.length === 0
      ? undefined
      : Math.round(values.reduce((sum, ms) => sum + ms, 0) / values.length);
  };
  return Object.fromEntries(PARTS.map((part) => [part, mean(part)])) as Breakdown;
}

function describe(breakdown: Breakdown): string {
  const t = strings.timing;
  return PARTS.flatMap((part) => {
    const ms = breakdown[part];
    return ms === undefined ? [] : [t.part(t.parts[part], ms)];
  }).join(', ');
}

/**
 * A result's parts as one stacked bar, each part as wide as its share of the whole, with the
 * same parts in words for those who do not see the colours. SVG attributes, not inline
 * styles, size the parts: the CSP allows no `style` attribute.
 */
export function TimingBar({ breakdown }: { breakdown: Breakdown }) {
  const total = PARTS.reduce((sum, part) => sum + (breakdown[part] ?? 0), 0);
  let x = 0;
  return (
    <svg
      class="timing-bar"
      role="img"
      aria-label={describe(breakdown)}
      viewBox="0 0 100 10"
      preserveAspectRatio="none"
    >
      {total > 0 &&
        PARTS.map((part) => {
          const width = ((breakdown[part] ?? 0) / total) * 100;
          const rect = <rect key={part} class={`timing-${part}`} x={x} width={width} height={10} />;
          x += width;
          return rect;
        })}
      <title>{describe(breakdown)}</title>
    </svg>
  );
}

/**
 * The newest timed result's breakdown beside the average over the timed results listed:
 * a table of numbers, each part's name next to its colour in the bars.
 */
export function TimingBreakdown({ results }: { results: readonly StoredResult[] }) {
  const t = strings.timing;
  const breakdowns = results.flatMap((result) => {
    const breakdown = breakdownOf(result);
    return breakdown ? [breakdown] : [];
  });
  const latest = breakdowns[0];
  if (!latest) return <p class="hint">{t.none}</p>;
  const average = averageOf(breakdowns);
  const ms = (value: number | undefined) => (value === undefined ? t.notPassed : t.ms(value));
  return (
    <table class="timing">
      <caption>{t.caption(breakdowns.length)}</caption>
      <thead>
        <tr>
          <th scope="col">{t.columns.part}</th>
          <th scope="col" class="number">
            {t.columns.latest}
          </th>
          <th scope="col" class="number">
            {t.columns.average}
          </th>
        </tr>
      </thead>
      <tbody>
        {PARTS.map((part) => (
          <tr key={part} data-part={part}>
            <th scope="row">
              <span class={`swatch timing-${part}`} aria-hidden="true" />
              {t.parts[part]}
            </th>
            <td class="number">{ms(latest[part])}</td>
            <td class="number">{ms(average[part])}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td />
          <td>
            <TimingBar breakdown={latest} />
          </td>
          <td>
            <TimingBar breakdown={average} />
          </td>
        </tr>
      </tfoot>
    </table>
  );
}
