/**
 * The SQL behind `D1Store`. D1 has no interactive transactions, so the atomic
 * update is one statement that applies a whole session patch inside SQLite.
 * It mirrors `applyPatch` from `src/session/record.ts` step for step; the D1
 * tests check the two against each other on random patches.
 *
 * It does integer arithmetic only. SQLite's conversions between text and
 * floating point are not correctly rounded (`1e-300` reads back as
 * `9.999999999999999e-301`), so a patch whose arithmetic meets a fraction or
 * leaves the 64-bit range writes nothing here and the store applies it with
 * `applyPatch` and a compare-and-swap instead.
 */

/** The table layout, shared by the shipped migration and `ensureSchema()`. */
export function schemaStatements(table: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS "${table}" (
  id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT,
  data TEXT NOT NULL,
  expires_at INTEGER NOT NULL
)`,
    `CREATE INDEX IF NOT EXISTS "${table}_user_id" ON "${table}" (user_id)`,
    `CREATE INDEX IF NOT EXISTS "${table}_expires_at" ON "${table}" (expires_at)`,
  ];
}

/**
 * A JSON path to `key` under `field` (`data` or `flash`). SQLite ends a quoted
 * path label at the first `"` but decodes JSON escapes inside it, so quotes
 * are written as `\u0022`. The path travels as a bound value, never as SQL.
 */
export function jsonPath(field: 'data' | 'flash', key: string): string {
  return `$.${field}."${JSON.stringify(key).slice(1, -1).replace(/"/g, 'u0022')}"`;
}

const NOW = `(?3 ->> '$.now')`;
/** The record's own timeouts (`persist()`), else the manager's. */
const idle = (doc: string) => `coalesce(${doc} ->> '$.idleMs', ?3 ->> '$.idle')`;
const absolute = (doc: string) => `coalesce(${doc} ->> '$.absoluteMs', ?3 ->> '$.absolute')`;
const USER_PATH = `(?3 ->> '$.userPath')`;
/** The number under the op's path; anything else counts as 0 (as in applyPatch). */
const CURRENT = `(CASE WHEN json_type(step.doc, op.path) IN ('integer', 'real') THEN step.doc ->> op.path ELSE 0 END)`;

/**
 * The atomic update; `meta.changes` is 1 when it applied. Binds: ?1 the key;
 * ?2 the ops, a JSON array of `[kind, path, value]` applied in order (kind
 * `unset`, `set`, `add` or `push`); ?3 a JSON object `{ now, idle, absolute,
 * userPath }`. Numbers travel inside JSON because D1 binds every JavaScript
 * number as REAL.
 *
 * `step` starts from the row only when it is live (the row's expiry and
 * `isLive` on the stored timestamps) and folds the ops over the record (a
 * non-integer sum turns the document NULL); `next` rebuilds the record with
 * new timestamps and the user id. A row that is missing or expired, or
 * arithmetic that is not integer, yields no `next`, so nothing is written.
 *
 * A numeric user field becomes the user id as its JSON text, which is
 * `String(n)` for any number JavaScript wrote. (Only an increment past 2^53,
 * exact here but rounded by JavaScript, could spell one differently.)
 */
export function updateStatement(table: string): string {
  return `WITH RECURSIVE
  op(n, kind, path, value, amount) AS (
    SELECT CAST(key AS INTEGER), value ->> 0, value ->> 1, value -> 2, value ->> 2 FROM json_each(?2)
  ),
  step(n, doc) AS (
    SELECT 0, data FROM "${table}"
    WHERE id = ?1 AND expires_at > ${NOW}
      AND json_type(data, '$.createdAt') IN ('integer', 'real')
      AND json_type(data, '$.lastSeenAt') IN ('integer', 'real')
      AND json_type(data, '$.expiresAt') IN ('integer', 'real')
      AND ${NOW} < min((data ->> '$.lastSeenAt') + ${idle('data')}, (data ->> '$.createdAt') + ${absolute('data')})
      AND ${NOW} < (data ->> '$.expiresAt')
    UNION ALL
    SELECT step.n + 1, CASE op.kind
        WHEN 'unset' THEN json_remove(step.doc, op.path)
        WHEN 'set' THEN json_set(step.doc, op.path, json(op.value))
        WHEN 'add' THEN CASE WHEN typeof(${CURRENT} + op.amount) = 'integer' THEN json_set(step.doc, op.path, ${CURRENT} + op.amount) END
        WHEN 'push' THEN CASE json_type(step.doc, op.path)
          WHEN 'array' THEN json_insert(step.doc, op.path || '[#]', json(op.value))
          ELSE json_set(step.doc, op.path, json_array(json(op.value)))
        END
      END
    FROM step JOIN op ON op.n = step.n
    WHERE step.doc IS NOT NULL
  ),
  last(doc) AS (SELECT doc FROM step ORDER BY n DESC LIMIT 1),
  next(doc, expires, uid) AS (
    SELECT doc,
      min(${NOW} + ${idle('doc')}, (doc ->> '$.createdAt') + ${absolute('doc')}),
      CASE json_type(doc, ${USER_PATH})
        WHEN 'text' THEN doc ->> ${USER_PATH}
        WHEN 'integer' THEN doc -> ${USER_PATH}
        WHEN 'real' THEN doc -> ${USER_PATH}
      END
    FROM last
    WHERE doc IS NOT NULL
  ),
  final(doc, expires, uid) AS (
    SELECT json_patch(
      json_object(
        'data', json(next.doc -> '$.data'),
        'flash', json(next.doc -> '$.flash'),
        'createdAt', json(next.doc -> '$.createdAt'),
        'lastSeenAt', json(?3 -> '$.now'),
        'expiresAt', next.expires
      ),
      json_object(
        'userId', next.uid,
        'authenticatedAt', CASE
          WHEN next.uid IS NOT NULL AND next.uid IS NOT (next.doc ->> '$.userId') THEN json(?3 -> '$.now')
          ELSE json(next.doc -> '$.authenticatedAt')
        END,
        'keptAt', json(next.doc -> '$.keptAt'),
        'persistent', json(next.doc -> '$.persistent'),
        'idleMs', json(next.doc -> '$.idleMs'),
        'absoluteMs', json(next.doc -> '$.absoluteMs'),
        'meta', json(next.doc -> '$.meta'),
        'deviceBound', json(next.doc -> '$.deviceBound'),
        'rotation', json(next.doc -> '$.rotation')
      )
    ), next.expires, next.uid FROM next
  )
UPDATE "${table}" SET data = final.doc, user_id = final.uid, expires_at = final.expires
FROM final
WHERE "${table}".id = ?1 AND typeof(final.expires) = 'integer'
  -- The record size limit (bytes of the JSON text): over it nothing is written.
  AND length(CAST(final.doc AS BLOB)) <= ?4`;
}
