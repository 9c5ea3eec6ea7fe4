import { z } from 'zod';
import { httpNotifier, jsonBody } from '../http.js';
import { severityOf, truncate, type Severity } from '../render.js';
import { httpUrl } from '../schema.js';
import type { Notification } from '../types.js';

/** Discord's limits: message content, embed title and embed description, characters. */
const MAX_CONTENT_CHARS = 2000;
const MAX_EMBED_TITLE_CHARS = 256;
const MAX_EMBED_DESCRIPTION_CHARS = 4096;

/** Embed colours, 0xRRGGBB: red down, amber certificate, green up, blurple test. */
const COLOR: Record<Severity, number> = {
  critical: 0xd93025,
  warning: 0xf5a623,
  resolved: 0x2da44e,
  info: 0x5865f2,
};

/**
 * Discord channel webhook.
 * - `webhookUrl` (secret): https://discord.com/api/webhooks/<id>/<token>.
 */
const discordConfig = z.object({ webhookUrl: httpUrl('webhookUrl') }).strict();

export type DiscordConfig = z.infer<typeof discordConfig>;

export const discord = httpNotifier({
  type: 'discord',
  config: discordConfig,
  secretFields: ['webhookUrl'],
  request: (notification, config) => ({
    url: waitForConfirmation(config.webhookUrl),
    body: jsonBody(discordMessage(notification)),
  }),
});

/** With wait=true Discord answers after saving the message, so a failure is reported. */
function waitForConfirmation(webhookUrl: string): string {
  const url = new URL(webhookUrl);
  url.searchParams.set('wait', 'true');
  return url.toString();
}

function discordMessage(notification: Notification) {
  return {
    content: truncate(notification.title, MAX_CONTENT_CHARS),
    embeds: [
      {
        title: truncate(notification.title, MAX_EMBED_TITLE_CHARS),
        description: truncate(notification.text, MAX_EMBED_DESCRIPTION_CHARS),
        color: COLOR[severityOf(notification)],
        timestamp: notification.at,
      },
    ],
    // A monitor name or error text containing "@everyone" must not ping anyone.
    allowed_mentions: { parse: [] },
  };
}
