-- Tessera: the tables of PostgresStore (`tesserajs/postgres`).
--
-- Apply it with your migration tool (or psql -f), or call
-- `store.ensureSchema()`, which runs these statements. For another schema or
-- table, pass `new PostgresStore(connection, { schema, table })` and rename
-- the schema, both tables and both indexes below to match
-- (`<table>_user_id`, `<table>_sweep_at`, `<table>_revocations`).

-- One row per session.
-- id: base64url SHA-256 of the session id (never the id itself).
-- user_id: the session's user (the manager's `userField`) as JSON text, or NULL.
-- record: the session record as the JSON text the store wrote (text, not
--   jsonb: jsonb reorders object keys and cannot hold U+0000).
-- expires_at: when the row stops being live, in ms since the epoch.
-- sweep_at: expires_at rounded up to the minute, indexed for sweep(): it
--   changes at most once a minute, so most writes update the row in place.
-- version: random, renewed by every write (the store's compare-and-swap).
-- kept_at: when "sign out everywhere else" kept this session (ms), or NULL.
CREATE TABLE IF NOT EXISTS "public"."tessera_sessions" (
  id text COLLATE "C" PRIMARY KEY,
  user_id text,
  record text NOT NULL,
  expires_at bigint NOT NULL,
  sweep_at bigint NOT NULL,
  version bigint NOT NULL,
  kept_at bigint
) WITH (fillfactor = 90);

-- listByUser / deleteByUser.
CREATE INDEX IF NOT EXISTS "tessera_sessions_user_id" ON "public"."tessera_sessions" (user_id) WHERE user_id IS NOT NULL;

-- sweep(): DELETE ... WHERE sweep_at <= now.
CREATE INDEX IF NOT EXISTS "tessera_sessions_sweep_at" ON "public"."tessera_sessions" (sweep_at);

-- When each user's sessions were last revoked together (ms), for the read
-- cache's revocation check; sweep() drops times older than an hour.
CREATE TABLE IF NOT EXISTS "public"."tessera_sessions_revocations" (
  user_id text PRIMARY KEY,
  revoked_at bigint NOT NULL
);
