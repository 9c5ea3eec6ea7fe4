import { discord } from './discord/index.js';
import { email } from './email/index.js';
import { gotify } from './gotify/index.js';
import { matrix } from './matrix/index.js';
import { ntfy } from './ntfy/index.js';
import { opsgenie } from './opsgenie/index.js';
import { pagerduty } from './pagerduty/index.js';
import { pushover } from './pushover/index.js';
import { slack } from './slack/index.js';
import { teams } from './teams/index.js';
import { telegram } from './telegram/index.js';
import type { Notifier } from './types.js';
import { webhook } from './webhook/index.js';

export type { Notification, NotificationEvent, Notifier, SendContext } from './types.js';
export { composeNotification, type NotificationInput } from './compose.js';
export { sendMail, type Mail, type SmtpServer } from './email/index.js';

/**
 * Every notification channel type, keyed by the type a channel names: the one place a
 * notifier is registered. To add one: write `<type>/index.ts` exporting a Notifier
 * (`httpNotifier` from http.ts when one HTTP request delivers a message), add its entry
 * here, a fixture in test-fixtures.ts (the type checker asks for it; the conformance suite
 * then covers errors, timeouts and secrets) and `<type>/index.test.ts` for its payloads.
 */
export const notifiers = Object.freeze({
  email,
  webhook,
  slack,
  discord,
  teams,
  telegram,
  pagerduty,
  opsgenie,
  ntfy,
  pushover,
  gotify,
  matrix,
});

export type ChannelType = keyof typeof notifiers;

/** Every channel type, in registration order. */
export const CHANNEL_TYPES = Object.freeze(Object.keys(notifiers) as ChannelType[]);

/** The notifier for a channel type, or undefined for a type that is not registered. */
export function getNotifier(type: string): Notifier | undefined {
  return isChannelType(type) ? notifiers[type] : undefined;
}

/** Whether `type` names a registered notifier (own keys only, never `toString` and kin). */
export function isChannelType(type: string): type is ChannelType {
  return Object.hasOwn(notifiers, type);
}
