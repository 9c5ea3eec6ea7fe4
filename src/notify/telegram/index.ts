import { z } from 'zod';
import { httpNotifier, joinUrl, jsonBody, replyJson } from '../http.js';
import { fullText, truncate } from '../render.js';
import { httpUrl, requiredText } from '../schema.js';

/** Telegram's limit on a message's text, characters. */
const MAX_TEXT_CHARS = 4096;

/**
 * Telegram bot message (Bot API sendMessage, plain text).
 * - `botToken` (secret): from @BotFather, e.g. `123456:ABC-DEF…`.
 * - `chatId`: a numeric chat id (`-100…` for groups and channels) or `@channelusername`.
 * - `apiUrl`: default `https://api.telegram.org`.
 */
const telegramConfig = z
  .object({
    botToken: requiredText('botToken').regex(
      /^\d+:[\w-]+$/,
      'botToken must look like 123456:ABC-DEF… (as @BotFather gives it)',
    ),
    chatId: requiredText('chatId').regex(
      /^(-?\d+|@\w{5,})$/,
      'chatId must be a numeric chat id such as -1001234567890 or a @channelusername',
    ),
    apiUrl: httpUrl('apiUrl').default('https://api.telegram.org'),
  })
  .strict();

export type TelegramConfig = z.infer<typeof telegramConfig>;

export const telegram = httpNotifier({
  type: 'telegram',
  config: telegramConfig,
  secretFields: ['botToken'],
  request: (notification, config) => ({
    url: joinUrl(config.apiUrl, `/bot${config.botToken}/sendMessage`),
    body: jsonBody({
      chat_id: config.chatId,
      text: truncate(fullText(notification), MAX_TEXT_CHARS),
      link_preview_options: { is_disabled: true },
    }),
  }),
  refusal: (reply) => (isOk(replyJson(reply)) ? undefined : 'Telegram did not answer ok: true'),
});

function isOk(reply: unknown): boolean {
  return typeof reply === 'object' && reply !== null && 'ok' in reply && reply.ok === true;
}
