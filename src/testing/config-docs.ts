/** Config documents for tests that write them straight into a store. */

/** An http monitor document as the API would store it, with its defaults. */
export function httpMonitorDoc(fields: {
  id: string;
  accountId: string;
  revision: number;
  name?: string;
  channelIds?: string[];
}): Record<string, unknown> {
  const { id, accountId, revision, name = id, channelIds = [] } = fields;
  return {
    id,
    accountId,
    revision,
    name,
    type: 'http',
    intervalSeconds: 10,
    timeoutSeconds: 5,
    retries: 0,
    paused: false,
    tags: [],
    channelIds,
    renotifyMinutes: null,
    url: 'http://127.0.0.1/',
  };
}
