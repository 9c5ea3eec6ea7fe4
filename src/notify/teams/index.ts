import { z } from 'zod';
import { httpNotifier, jsonBody } from '../http.js';
import { severityOf, type Severity } from '../render.js';
import { httpUrl } from '../schema.js';
import type { Notification } from '../types.js';

/** Adaptive Card text colours by severity. */
const COLOR: Record<Severity, string> = {
  critical: 'Attention',
  warning: 'Warning',
  resolved: 'Good',
  info: 'Accent',
};

/**
 * Microsoft Teams, through a Workflows ("When a Teams webhook request is received")
 * webhook, which expects a message carrying an Adaptive Card.
 * - `webhookUrl` (secret): the workflow's URL; its signature is part of it.
 */
const teamsConfig = z.object({ webhookUrl: httpUrl('webhookUrl') }).strict();

export type TeamsConfig = z.infer<typeof teamsConfig>;

export const teams = httpNotifier({
  type: 'teams',
  config: teamsConfig,
  secretFields: ['webhookUrl'],
  request: (notification, config) => ({
    url: config.webhookUrl,
    body: jsonBody(teamsMessage(notification)),
  }),
});

function teamsMessage(notification: Notification) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: adaptiveCard(notification),
      },
    ],
  };
}

/** One TextBlock per line of text: Teams joins single line breaks inside a TextBlock. */
function adaptiveCard(notification: Notification) {
  const title = {
    type: 'TextBlock',
    text: notification.title,
    size: 'Medium',
    weight: 'Bolder',
    color: COLOR[severityOf(notification)],
    wrap: true,
  };
  const lines = notification.text
    .split('\n')
    .map((line) => ({ type: 'TextBlock', text: line, wrap: true, spacing: 'Small' }));
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [title, ...lines],
    msteams: { width: 'Full' },
  };
}
