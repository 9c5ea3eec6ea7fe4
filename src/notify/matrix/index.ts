import { z } from 'zod';
import { httpNotifier, joinUrl, jsonBody } from '../http.js';
import { deliveryKey } from '../keys.js';
import { fullText, truncate } from '../render.js';
import { httpUrl, requiredText } from '../schema.js';

/** Keeps an event well under Matrix's 64 KiB limit, characters. */
const MAX_BODY_CHARS = 16000;

/**
 * Matrix room message (client-server API v3). The transaction id is derived from the
 * notification and room, so the homeserver stores a retried delivery only once.
 * - `homeserverUrl`: e.g. `https://matrix-client.matrix.org` (no default: pick the
 *   account's homeserver).
 * - `accessToken` (secret): the sending account's access token, sent as Bearer.
 * - `roomId`: the room's id, `!…` (an `#alias` does not work here).
 */
const matrixConfig = z
  .object({
    homeserverUrl: httpUrl('homeserverUrl'),
    accessToken: requiredText('accessToken'),
    roomId: requiredText('roomId').regex(
      /^!\S+$/,
      'roomId must be a room id like !abc123:example.org (not an #alias)',
    ),
  })
  .strict();

export type MatrixConfig = z.infer<typeof matrixConfig>;

export const matrix = httpNotifier({
  type: 'matrix',
  config: matrixConfig,
  secretFields: ['accessToken'],
  request(notification, config) {
    const room = encodeURIComponent(config.roomId);
    const txnId = deliveryKey(notification, config.roomId);
    return {
      method: 'PUT',
      url: joinUrl(
        config.homeserverUrl,
        `/_matrix/client/v3/rooms/${room}/send/m.room.message/${txnId}`,
      ),
      headers: { authorization: `Bearer ${config.accessToken}` },
      body: jsonBody({ msgtype: 'm.text', body: truncate(fullText(notification), MAX_BODY_CHARS) }),
    };
  },
});
