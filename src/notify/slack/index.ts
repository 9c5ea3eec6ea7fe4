import { z } from 'zod';
import { httpNotifier, jsonBody } from '../http.js';
import { truncate } from '../render.js';
import { httpUrl } from '../schema.js';
import type { Notification } from '../types.js';

/** Slack's limits on a header block and a section block's text, characters. */
const MAX_HEADER_CHARS = 150;
const MAX_SECTION_CHARS = 3000;

/**
 * Slack incoming webhook.
 * - `webhookUrl` (secret): the URL Slack gave for the webhook,
 *   https://hooks.slack.com/services/…; the token is part of it.
 */
const slackConfig = z.object({ webhookUrl: httpUrl('webhookUrl') }).strict();

export type SlackConfig = z.infer<typeof slackConfig>;

export const slack = httpNotifier({
  type: 'slack',
  config: slackConfig,
  secretFields: ['webhookUrl'],
  request: (notification, config) => ({
    url: config.webhookUrl,
    body: jsonBody(slackMessage(notification)),
  }),
});

/** `text` is what Slack shows in push notifications; the blocks are the message itself. */
function slackMessage(notification: Notification) {
  return {
    text: escapeMrkdwn(notification.title),
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: truncate(notification.title, MAX_HEADER_CHARS) },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncate(escapeMrkdwn(notification.text), MAX_SECTION_CHARS),
        },
      },
    ],
  };
}

/** Slack reads &, < and > as markup (links, mentions), so literal ones are escaped. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
