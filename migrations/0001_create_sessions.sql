-- Tessera: the sessions table for D1Store (`tesserajs/d1`).
--
-- Copy this file into your Worker's migrations folder (renumber it to follow
-- your own migrations) and apply it:
--   npx wrangler d1 migrations apply <DATABASE_NAME> --remote
-- To use another table name, pass `new D1Store(env.DB, { table })` and
-- rename the table and both indexes below to match (`<table>_user_id`,
-- `<table>_expires_at`).

-- id: base64url SHA-256 of the session id (never the id itself).
-- user_id: the session's user (the manager's `userField`), or NULL.
-- data: the session record as JSON.
-- expires_at: when the row stops being valid, in ms since the epoch.
CREATE TABLE IF NOT EXISTS "tessera_sessions" (
  id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT,
  data TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);

-- listByUser / deleteByUser.
CREATE INDEX IF NOT EXISTS "tessera_sessions_user_id" ON "tessera_sessions" (user_id);

-- sweep(): DELETE ... WHERE expires_at <= now.
CREATE INDEX IF NOT EXISTS "tessera_sessions_expires_at" ON "tessera_sessions" (expires_at);
