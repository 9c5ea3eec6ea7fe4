import { oneLine, truncate } from './render.js';
import type { Notification } from './types.js';

/** A notification before its human-readable title and text are written. */
export type NotificationInput = Omit<Notification, 'title' | 'text'>;

/** Longest error quoted in a title, characters; the text carries it whole. */
const MAX_TITLE_ERROR_CHARS = 120;

/**
 * Fills `title` (one line) and `text` (a few "Label: value" lines) for people. Pure: the
 * same input always gives the same output; times are printed in UTC.
 */
export function composeNotification(input: NotificationInput): Notification {
  return { ...input, title: composeTitle(input), text: composeText(input).join('\n') };
}

function composeTitle(n: NotificationInput): string {
  switch (n.event) {
    case 'monitor.down': {
      const error = n.result?.error && truncate(oneLine(n.result.error), MAX_TITLE_ERROR_CHARS);
      return [`DOWN: ${monitorLabel(n)}`, n.reminder && stillDown(n.reminder), error]
        .filter(Boolean)
        .join(' — ');
    }
    case 'monitor.up': {
      const downFor = downtime(n);
      return `UP: ${monitorLabel(n)}${downFor ? ` after ${downFor}` : ''}`;
    }
    case 'certificate.expiring':
      return `Certificate for ${certificateHost(n.monitor.target)} ${expiry(n.certificate?.daysLeft)}`;
    case 'test':
      return 'Test notification from Tireless';
  }
}

function composeText(n: NotificationInput): string[] {
  const when = n.result ? checkedLine(n.result) : `At: ${formatTime(n.at)}`;
  const incident = n.incident && `Incident: ${n.incident.id}`;
  switch (n.event) {
    case 'monitor.down': {
      const headline = n.reminder ? `is ${stillDown(n.reminder)}` : 'is down';
      const error = n.result?.error && `Error: ${n.result.error}`;
      const since = n.incident && `Down since: ${formatTime(n.incident.started)}${lasting(n)}`;
      return present([`${monitorLabel(n)} ${headline}.`, error, when, since, incident]);
    }
    case 'monitor.up': {
      const downFor = downtime(n);
      const headline = `${monitorLabel(n)} is up again${downFor ? ` after ${downFor}` : ''}.`;
      const period =
        n.incident &&
        `Down from: ${formatTime(n.incident.started)} to ${formatTime(n.incident.ended ?? n.at)}`;
      return present([headline, when, period, incident]);
    }
    case 'certificate.expiring': {
      const host = certificateHost(n.monitor.target);
      const expires = n.certificate && `Expires: ${formatTime(n.certificate.expiresAt)}`;
      const headline = `The TLS certificate for ${host} ${expiry(n.certificate?.daysLeft)}.`;
      return present([headline, expires, `Monitor: ${monitorLabel(n)}`, when]);
    }
    case 'test':
      return [
        'This is a test notification from Tireless. If you can read it, this channel works.',
        `Monitor: ${monitorLabel(n)}`,
        when,
      ];
  }
}

/** The lines that have something to say. */
function present(lines: (string | undefined)[]): string[] {
  return lines.filter((line): line is string => Boolean(line));
}

/** "Shop (https://shop.example.com)", or just the target when it is the name. */
function monitorLabel({ monitor }: NotificationInput): string {
  return monitor.name === monitor.target ? monitor.name : `${monitor.name} (${monitor.target})`;
}

/** " (for 30 min)" on a reminder, which people read to see how long it has been. */
function lasting(n: NotificationInput): string {
  const downFor = n.reminder ? downtime(n) : undefined;
  return downFor ? ` (for ${downFor})` : '';
}

function stillDown(reminder: number): string {
  return `still down (reminder ${reminder})`;
}

function checkedLine(result: NonNullable<NotificationInput['result']>): string {
  const latency = `latency ${Math.round(result.latencyMs)} ms`;
  return `Checked: ${formatTime(result.checkedAt)} from ${result.node} (${result.region}), ${latency}`;
}

/** How long the incident lasted, from its start to its end (or to `at`). */
function downtime({ incident, at }: NotificationInput): string | undefined {
  if (!incident) return undefined;
  const ms = Date.parse(incident.ended ?? at) - Date.parse(incident.started);
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : undefined;
}

/** "45 s", "4 min", "2 h 5 min", "3 d 4 h": the two largest units, rounded down. */
function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (minutes < 1) return `${seconds} s`;
  if (hours < 1) return `${minutes} min`;
  if (days < 1) return joinUnits(hours, 'h', minutes % 60, 'min');
  return joinUnits(days, 'd', hours % 24, 'h');
}

function joinUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

/** "2024-05-01 12:00:00 UTC"; a string that is not a time is shown as it is. */
function formatTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return new Date(time)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

function expiry(daysLeft: number | undefined): string {
  if (daysLeft === undefined) return 'expires soon';
  if (daysLeft > 0) return `expires in ${days(daysLeft)}`;
  if (daysLeft === 0) return 'expires today';
  return `expired ${days(-daysLeft)} ago`;
}

function days(count: number): string {
  return count === 1 ? '1 day' : `${count} days`;
}

/** The host of a TLS target: "example.com" from "https://example.com/x" or "example.com:443". */
function certificateHost(target: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) && URL.canParse(target)) {
    return new URL(target).hostname;
  }
  return target.replace(/:\d+$/, '');
}
