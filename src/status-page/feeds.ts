/**
 * A status page's incidents as feeds: JSON Feed 1.1 and RSS 2.0, one item per incident
 * (its id stays; it is modified when the incident ends). URLs are absolute, on `origin`.
 */
import { escapeXml as e } from './markup.js';
import { publicStrings } from '../catalog/index.js';
import type { PublicIncident, PublicStatusPage } from './view.js';

const words = publicStrings.feeds;

function incidentsOf(page: PublicStatusPage): PublicIncident[] {
  return [...page.incidents.current, ...page.incidents.past];
}

function titleOf(incident: PublicIncident): string {
  return incident.endedAt === null
    ? words.isDown(incident.monitorName)
    : words.wasDown(incident.monitorName, duration(incident.endedAt - incident.startedAt));
}

function textOf(incident: PublicIncident): string {
  const started = new Date(incident.startedAt).toISOString();
  const span =
    incident.endedAt === null
      ? words.downSince(started)
      : words.downFromTo(started, new Date(incident.endedAt).toISOString());
  const extra = [
    incident.inMaintenance ? words.duringMaintenance : '',
    incident.cause === undefined ? '' : words.cause(incident.cause),
  ];
  return [span, ...extra].filter(Boolean).join(' ');
}

/** A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/). */
export function jsonFeed(page: PublicStatusPage, origin: string): string {
  const home = `${origin}/status/${page.slug}`;
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: words.title(page.title),
    home_page_url: home,
    feed_url: `${home}/feed.json`,
    ...(page.description ? { description: page.description } : {}),
    items: incidentsOf(page).map((incident) => ({
      id: incident.id,
      url: `${home}#incident-${incident.id}`,
      title: titleOf(incident),
      content_text: textOf(incident),
      date_published: new Date(incident.startedAt).toISOString(),
      ...(incident.endedAt === null
        ? {}
        : { date_modified: new Date(incident.endedAt).toISOString() }),
    })),
  });
}

/** An RSS 2.0 document. */
export function rssFeed(page: PublicStatusPage, origin: string): string {
  const home = `${origin}/status/${page.slug}`;
  const items = incidentsOf(page)
    .map(
      (incident) => `<item>
<title>${e(titleOf(incident))}</title>
<link>${e(`${home}#incident-${incident.id}`)}</link>
<guid isPermaLink="false">${e(incident.id)}</guid>
<pubDate>${new Date(incident.startedAt).toUTCString()}</pubDate>
<description>${e(textOf(incident))}</description>
</item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${e(words.title(page.title))}</title>
<link>${e(home)}</link>
<description>${e(page.description ?? words.description(page.title))}</description>
<atom:link href="${e(`${home}/rss.xml`)}" rel="self" type="application/rss+xml"/>
<lastBuildDate>${new Date(page.generatedAt).toUTCString()}</lastBuildDate>
${items}
</channel>
</rss>
`;
}

/** A duration as "3 h 5 min", "12 min" or "40 s". */
function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return words.seconds(seconds);
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return words.minutes(minutes);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? words.hours(hours) : words.hoursMinutes(hours, rest);
}
