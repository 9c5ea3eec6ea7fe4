/**
 * Append-only, numbered schema migrations. Never edit or reorder one that has shipped:
 * add the next number. PRAGMA user_version records how many have been applied.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: config documents, results, rollups, alert state, deliveries.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

  -- Every config entity (account, user, token, monitor, channel, maintenance) is a JSON
  -- document with a revision, as in a JetStream KV bucket; applying is idempotent.
  CREATE TABLE config (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (kind, id)
  ) WITHOUT ROWID;
  CREATE INDEX config_by_account ON config (kind, account_id);
  CREATE INDEX config_user_email ON config (json_extract(doc, '$.email') COLLATE NOCASE)
    WHERE kind = 'user';

  -- Small local integers for the keys that repeat in every result row, so a row stays small.
  CREATE TABLE keys_account (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
  CREATE TABLE keys_monitor (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
  CREATE TABLE keys_origin (n INTEGER PRIMARY KEY, node TEXT NOT NULL, region TEXT NOT NULL,
    UNIQUE (node, region));
  CREATE TABLE error_texts (n INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);

  -- One row per (monitor, slot, origin): the natural key makes a repeated apply a no-op.
  -- checked_at is stored as its distance from the slot, a small number.
  CREATE TABLE results (
    monitor INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    origin INTEGER NOT NULL,
    account INTEGER NOT NULL,
    lateness INTEGER NOT NULL,
    up INTEGER NOT NULL,
    latency INTEGER NOT NULL,
    error INTEGER,
    PRIMARY KEY (monitor, slot, origin)
  ) WITHOUT ROWID;

  CREATE TABLE rollup_minute (monitor INTEGER NOT NULL, bucket INTEGER NOT NULL,
    account INTEGER NOT NULL, up INTEGER NOT NULL, down INTEGER NOT NULL,
    latency_sum INTEGER NOT NULL, latency_min INTEGER NOT NULL, latency_max INTEGER NOT NULL,
    PRIMARY KEY (monitor, bucket)) WITHOUT ROWID;
  CREATE TABLE rollup_hour (monitor INTEGER NOT NULL, bucket INTEGER NOT NULL,
    account INTEGER NOT NULL, up INTEGER NOT NULL, down INTEGER NOT NULL,
    latency_sum INTEGER NOT NULL, latency_min INTEGER NOT NULL, latency_max INTEGER NOT NULL,
    PRIMARY KEY (monitor, bucket)) WITHOUT ROWID;
  CREATE TABLE rollup_day (monitor INTEGER NOT NULL, bucket INTEGER NOT NULL,
    account INTEGER NOT NULL, up INTEGER NOT NULL, down INTEGER NOT NULL,
    latency_sum INTEGER NOT NULL, latency_min INTEGER NOT NULL, latency_max INTEGER NOT NULL,
    PRIMARY KEY (monitor, bucket)) WITHOUT ROWID;

  -- The coordinator's view of each monitor (up/down, failures, open incident) as JSON.
  CREATE TABLE monitor_state (monitor_id TEXT PRIMARY KEY, account_id TEXT NOT NULL,
    state TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    monitor_id TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    cause TEXT NOT NULL,
    in_maintenance INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX incidents_by_monitor ON incidents (account_id, monitor_id, started_at);
  CREATE INDEX incidents_by_account ON incidents (account_id, started_at);

  -- The durable delivery queue: one row per (transition, channel), keyed so that a
  -- transition is queued once however often it is applied.
  CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX deliveries_due ON deliveries (next_at) WHERE status = 'pending';

  CREATE TABLE pushes (monitor_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
  `,
  // 2: deletes become tombstones that keep their revision; one store-wide revision sequence;
  // the indexes retention (housekeeping) needs.
  `
  -- doc NULL is a tombstone: the entity was deleted at that revision, and deleted_at (ms) is
  -- when, so retention can prune it. SQLite cannot drop a NOT NULL, hence the rebuild.
  CREATE TABLE config_v2 (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    doc TEXT,
    deleted_at INTEGER,
    PRIMARY KEY (kind, id),
    CHECK ((doc IS NULL) = (deleted_at IS NOT NULL))
  ) WITHOUT ROWID;
  INSERT INTO config_v2 (kind, id, account_id, revision, doc)
    SELECT kind, id, account_id, revision, doc FROM config;
  DROP TABLE config;
  ALTER TABLE config_v2 RENAME TO config;
  CREATE INDEX config_by_account ON config (kind, account_id) WHERE doc IS NOT NULL;
  CREATE INDEX config_user_email ON config (json_extract(doc, '$.email') COLLATE NOCASE)
    WHERE kind = 'user';
  CREATE INDEX config_tombstones ON config (deleted_at) WHERE doc IS NULL;
  CREATE INDEX config_token_expiry ON config (json_extract(doc, '$.expiresAt'))
    WHERE kind = 'token';

  -- The highest revision this store has applied or handed out, as a KV bucket's sequence:
  -- a solo writer's next revision is one more, whatever key it writes.
  CREATE TABLE config_sequence (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
  );
  INSERT INTO config_sequence (id, revision) SELECT 1, coalesce(max(revision), 0) FROM config;

  -- Retention: error texts no result refers to, closed incidents, finished deliveries.
  CREATE INDEX results_by_error ON results (error) WHERE error IS NOT NULL;
  CREATE INDEX incidents_closed ON incidents (ended_at) WHERE ended_at IS NOT NULL;
  CREATE INDEX deliveries_finished ON deliveries (created_at) WHERE status <> 'pending';
  `,
  // 3: cluster mode. This node's own results waiting for the results stream (a row per
  // stream message), and results from other nodes whose monitor's config has not arrived.
  `
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    results TEXT NOT NULL
  );
  CREATE TABLE waiting_results (
    monitor_id TEXT NOT NULL,
    slot INTEGER NOT NULL,
    result TEXT NOT NULL
  );
  CREATE INDEX waiting_results_by_monitor ON waiting_results (monitor_id);
  CREATE INDEX waiting_results_by_slot ON waiting_results (slot);
  `,
  // 4: how many locations checked a monitor of several when the result was checked, as its
  // checking node saw it (null: one location, or a node that did not record it).
  `
  ALTER TABLE results ADD COLUMN checking INTEGER;
  `,
  // 5: an HTTP check's phases (DNS, connect, TLS, first byte) as varints (result-timing.ts);
  // null: another type, or a result from before, or from a node that did not record them.
  `
  ALTER TABLE results ADD COLUMN timing BLOB;
  `,
  // 6: an account's deliveries, newest first (GET /api/v1/deliveries), without reading every
  // account's.
  `
  CREATE INDEX deliveries_by_account ON deliveries (account_id, created_at);
  `,
];
