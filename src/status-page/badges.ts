/**
 * SVG badges in the common two-part style (label | message): valid standalone SVG with a
 * `<title>` for screen readers; widths from an approximate 11 px Verdana advance.
 */
import { escapeXml } from './markup.js';
import { publicStrings } from '../catalog/index.js';
import type { PublicState } from './view.js';

const COLOURS = {
  green: '#2e7d32',
  yellow: '#9a6700',
  red: '#c62828',
  grey: '#59636e',
  blue: '#0550ae',
} as const;

type Colour = keyof typeof COLOURS;

const STATE_COLOURS: Record<PublicState, Colour> = {
  up: 'green',
  down: 'red',
  pending: 'grey',
  paused: 'grey',
  maintenance: 'blue',
};

/** A badge of `label` and `message` with the message's background `colour`. */
export function badge(label: string, message: string, colour: Colour): string {
  const labelWidth = textWidth(label) + 10;
  const messageWidth = textWidth(message) + 10;
  const width = labelWidth + messageWidth;
  const l = escapeXml(label);
  const m = escapeXml(message);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${l}: ${m}">
<title>${l}: ${m}</title>
<rect width="${labelWidth}" height="20" fill="#555"/>
<rect x="${labelWidth}" width="${messageWidth}" height="20" fill="${COLOURS[colour]}"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="${labelWidth / 2}" y="14">${l}</text>
<text x="${labelWidth + messageWidth / 2}" y="14">${m}</text>
</g>
</svg>
`;
}

export function statusBadge(state: PublicState): string {
  const words = publicStrings.badges;
  return badge(words.status, publicStrings.states[state].toLowerCase(), STATE_COLOURS[state]);
}

/** Green from 99 %, yellow from 95 %, red below; grey without checks. */
export function uptimeBadge(window: string, share: number | null): string {
  let colour: Colour = 'grey';
  if (share !== null) colour = share >= 0.99 ? 'green' : share >= 0.95 ? 'yellow' : 'red';
  return badge(publicStrings.badges.uptime(window), publicStrings.percent(share), colour);
}

/** The mean latency of the last 24 h. */
export function responseTimeBadge(latencyMs: number | null): string {
  return badge(
    publicStrings.badges.responseTime,
    latencyMs === null ? publicStrings.noData : publicStrings.badges.ms(Math.round(latencyMs)),
    latencyMs === null ? 'grey' : 'blue',
  );
}

/** Approximate width of `text` in 11 px Verdana, px. */
function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += /[il.,:;!|' ]/.test(char) ? 4 : /[mwMW%]/.test(char) ? 11 : 7;
  return width;
}
