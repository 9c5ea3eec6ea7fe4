/**
 * A status page as server-rendered HTML: no script at all (the CSP stays strict), one
 * stylesheet, and a meta refresh so an open page follows the monitors.
 */
import { escapeXml as e } from './markup.js';
import { lang, publicStrings as s } from '../catalog/index.js';
import type { PublicIncident, PublicMonitor, PublicStatusPage } from './view.js';

/** Where the page's stylesheet is served. */
export const STYLESHEET_PATH = '/status/assets/status.css';
/** How often an open page reloads itself, seconds. */
const REFRESH_SECONDS = 60;

export function renderStatusHtml(page: PublicStatusPage): string {
  const base = `/status/${page.slug}`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<link rel="icon" href="data:,">
<title>${e(s.page.title(page.title))}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<link rel="alternate" type="application/rss+xml" title="${e(s.page.feedLink(s.page.rss))}" href="${base}/rss.xml">
<link rel="alternate" type="application/feed+json" title="${e(s.page.feedLink(s.page.jsonFeed))}" href="${base}/feed.json">
</head>
<body>
<main>
<h1>${e(page.title)}</h1>
${page.description ? `<p class="description">${e(page.description)}</p>` : ''}
<p class="overall overall-${page.state}" role="status">${s.overall[page.state]}</p>
${page.notes.length > 0 ? notesSection(page) : ''}
<section aria-labelledby="monitors-heading">
<h2 id="monitors-heading">${s.page.monitors}</h2>
<ul class="monitors">
${page.monitors.map(monitorItem).join('\n')}
</ul>
<p class="legend">${s.page.legend}</p>
</section>
${incidentsSection(s.page.currentIncidents, 'current', page.incidents.current)}
${incidentsSection(s.page.pastIncidents, 'past', page.incidents.past)}
<footer>
<p>${s.page.updated(time(page.generatedAt))} · <a href="${base}/rss.xml">${s.page.rss}</a> · <a href="${base}/feed.json">${s.page.jsonFeed}</a></p>
</footer>
</main>
</body>
</html>
`;
}

function monitorItem(monitor: PublicMonitor): string {
  const bars = monitor.days
    .map((day) => {
      const label = s.page.day(
        day.date,
        s.days[day.status],
        day.uptime === null ? undefined : s.percent(day.uptime),
      );
      return `<li class="bar bar-${day.status}" title="${e(label)}"><span class="visually-hidden">${e(label)}</span></li>`;
    })
    .join('');
  return `<li class="monitor" data-monitor="${e(monitor.id)}">
<div class="monitor-head"><h3>${e(monitor.name)}</h3><span class="state state-${monitor.state}">${s.states[monitor.state]}</span></div>
${monitor.target === undefined ? '' : `<p class="target">${e(monitor.target)}</p>`}
<ol class="bars" aria-label="${e(s.page.bars(monitor.name))}">${bars}</ol>
<p class="uptime">${s.page.uptime(s.percent(monitor.uptime['90d']), s.percent(monitor.uptime['24h']))}</p>
</li>`;
}

function notesSection(page: PublicStatusPage): string {
  const notes = page.notes
    .map(
      (note) =>
        `<li><h3>${e(note.title)}</h3><p class="when">${time(note.at)}${note.until === undefined ? '' : ` – ${time(note.until)}`}</p>${note.body ? `<p>${e(note.body)}</p>` : ''}</li>`,
    )
    .join('\n');
  return `<section aria-labelledby="notes-heading">
<h2 id="notes-heading">${s.page.notices}</h2>
<ul class="notes">
${notes}
</ul>
</section>`;
}

function incidentsSection(
  heading: string,
  id: string,
  incidents: readonly PublicIncident[],
): string {
  const items =
    incidents.length === 0
      ? `<p class="none">${s.page.none}</p>`
      : `<ul class="incidents">
${incidents.map(incidentItem).join('\n')}
</ul>`;
  return `<section aria-labelledby="${id}-heading">
<h2 id="${id}-heading">${heading}</h2>
${items}
</section>`;
}

function incidentItem(incident: PublicIncident): string {
  const span =
    incident.endedAt === null
      ? s.page.since(time(incident.startedAt))
      : `${time(incident.startedAt)} – ${time(incident.endedAt)}`;
  const what = s.page.down(`<strong>${e(incident.monitorName)}</strong>`, span);
  return `<li>${what}${incident.inMaintenance ? s.page.duringMaintenance : ''}${incident.cause === undefined ? '' : `: ${e(incident.cause)}`}</li>`;
}

/** A time as a UTC `<time>` element. */
function time(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}">${s.page.utc(iso.slice(0, 16).replace('T', ' '))}</time>`;
}

/** The page's stylesheet: light and dark, the state colours of the app. */
export const STATUS_CSS = `:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--up:#116329;--partial:#9a6700;--down:#b3261e;--nodata:#8c959f;--maintenance:#0550ae;font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--up:#3fb950;--partial:#d29922;--down:#ff7b72;--nodata:#6e7681;--maintenance:#79c0ff}}
body{margin:0;background:var(--bg);color:var(--fg)}
main{max-width:60rem;margin:0 auto;padding:1rem}
a{color:var(--maintenance)}
.overall{font-size:1.25rem;font-weight:600;padding:.75rem 1rem;border:1px solid var(--line);border-left:.5rem solid var(--nodata)}
.overall-operational{border-left-color:var(--up)}.overall-degraded{border-left-color:var(--partial)}.overall-outage{border-left-color:var(--down)}.overall-maintenance{border-left-color:var(--maintenance)}
.monitors,.notes,.incidents{list-style:none;padding:0}
.monitor{border-bottom:1px solid var(--line);padding:.75rem 0}
.monitor-head{display:flex;justify-content:space-between;align-items:baseline;gap:1rem}
.monitor-head h3{margin:0;font-size:1rem}
.state{font-weight:600}.state-up{color:var(--up)}.state-down{color:var(--down)}.state-maintenance{color:var(--maintenance)}.state-pending,.state-paused{color:var(--muted)}
.target,.uptime,.legend,.when,footer{color:var(--muted);font-size:.875rem;margin:.25rem 0}
.bars{display:flex;gap:2px;list-style:none;padding:0;margin:.5rem 0;height:2rem}
.bar{flex:1;border-radius:2px;background:var(--nodata)}
.bar-up{background:var(--up)}.bar-partial{background:var(--partial)}.bar-down{background:var(--down)}.bar-none{background:var(--line)}
.bar-nodata{background:repeating-linear-gradient(45deg,var(--nodata) 0 3px,transparent 3px 6px)}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
