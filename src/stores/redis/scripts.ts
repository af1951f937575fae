/**
 * The Lua scripts of `RedisStore` other than `update` (update-script.ts).
 * Each touches keys of one hash slot only (Redis Cluster): a session's
 * record, tombstone and revocation marks share the `{<session key>}` hash
 * tag, a user's index, sequence and revocation time share `{u:<user hash>}`.
 * What crosses slots — keeping a user's index in step with that user's
 * sessions, and `move` — is ordered by the store (index.ts, move.ts) instead.
 * None reads more of a record than the few fields it needs.
 */
import { END_MARKER_MS } from '../../session/record.ts';
import { RedisScript } from './connection.ts';
import { LUA_JSNUM, LUA_JSON, LUA_STATE } from './lua.ts';

/**
 * How long a deleted session refuses writes (its tombstone, also the end
 * marker `hasEnded` reads) and a revocation mark lasts (ms). Session keys
 * are hashes of random ids and never reused, so a write after a deletion is
 * a request that was in flight when the session was logged out or revoked;
 * an hour is far longer than any request, or read cache copy, lives.
 */
export const TOMBSTONE_MS = END_MARKER_MS;

const HOUR = `local HOUR = ${TOMBSTONE_MS}\n`;

/**
 * Replaces a record, unless the session was deleted (a tombstone) or a
 * revocation of its user saw the index entry this write made (its mark is
 * at least the write's sequence number): then -1, nothing written.
 * KEYS: session, tombstone, marks. ARGV: ttl ms, user JSON or '', sequence
 * number, the state without its version, then the hash's fields and values.
 */
export const SET = new RedisScript(
  LUA_STATE +
    String.raw`
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
if ARGV[2] ~= '' then
  local mark = tonumber(redis.call('HGET', KEYS[3], ARGV[2]))
  if mark and mark >= tonumber(ARGV[3]) then return -1 end
end
-- The version goes on from the replaced record's, so move sees this write.
local old = redis.call('HGET', KEYS[1], '#')
local out = { '#', string.format('%d ', (old and tonumber(old:match('^%d+')) or 0) + 1) .. ARGV[4] }
for i = 5, #ARGV do out[#out + 1] = ARGV[i] end
redis.call('DEL', KEYS[1])
write(KEYS[1], out)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`,
);

/**
 * Moves the timestamps of a live record; 0 when there is none (a touch never
 * creates a record), { 'need', userJson } when the user's index does not
 * reach the new expiry yet and no claim for it was passed.
 * KEYS: session. ARGV: now, lastSeenAt, expiresAt, ttl ms, claimed user JSON or '', claimed bound.
 */
export const TOUCH = new RedisScript(
  LUA_JSON +
    LUA_STATE +
    String.raw`
local m = redis.call('HMGET', KEYS[1], '#', 'lastSeenAt', 'expiresAt', 'userId')
if not m[1] then return 0 end
local e = number(m[3])
if not e or e <= tonumber(ARGV[1]) then return 0 end
local st = state(m[1])
if m[4] and not ((number(st.index) or 0) >= tonumber(ARGV[3])) then
  if ARGV[5] ~= m[4] then return { 'need', m[4] } end
  st.index = ARGV[6]
end
local out = {}
head(st, out, 'lastSeenAt', m[2], ARGV[2])
head(st, out, 'expiresAt', m[3], ARGV[3])
st.w = st.w + 1
out[#out + 1] = '#'
out[#out + 1] = statetext(st)
write(KEYS[1], out)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`,
);

/**
 * Deletes a session and leaves its tombstone; replies with its user JSON.
 * KEYS: session, tombstone.
 */
export const DELETE = new RedisScript(`${HOUR}
local user = redis.call('HGET', KEYS[1], 'userId')
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', HOUR)
return user
`);

/**
 * `move`'s end of the old session: deletes it as DELETE does, only if it is
 * still the version that was read (ARGV[1]). Replies { 1, user JSON or
 * false } when deleted, 0 when there is no record, -2 when it changed.
 * KEYS: session, tombstone.
 */
export const TAKE = new RedisScript(`${HOUR}
local m = redis.call('HMGET', KEYS[1], '#', 'userId')
if not m[1] then return 0 end
if m[1]:match('^%d+') ~= ARGV[1] then return -2 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', HOUR)
return { 1, m[2] }
`);

/**
 * One session listed in a user's index, during `deleteByUser`: deleted (and
 * tombstoned) if it is that user's — 1 if it was live, else 0 — or missing
 * (a write may be on its way: the tombstone refuses it) — 0; left alone if it
 * is another user's or nobody's, with a mark that refuses a claim of this
 * user whose index entry the revocation saw — 2.
 * KEYS: session, tombstone, marks. ARGV: user JSON, the revocation's sequence number, now.
 */
export const REVOKE = new RedisScript(
  HOUR +
    LUA_JSON +
    `
local m = redis.call('HMGET', KEYS[1], '#', 'userId', 'expiresAt')
if not m[1] or m[2] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '1', 'PX', HOUR)
  local e = m[1] and number(m[3])
  if e and e > tonumber(ARGV[3]) then return 1 end
  return 0
end
local mark = tonumber(redis.call('HGET', KEYS[3], ARGV[1]))
if not mark or mark < tonumber(ARGV[2]) then redis.call('HSET', KEYS[3], ARGV[1], ARGV[2]) end
redis.call('PEXPIRE', KEYS[3], HOUR)
return 2
`,
);

/**
 * Adds a session to a user's index (a sorted set scored by how long the
 * session may live: the score only grows), prunes entries past their score,
 * makes the index expire with its last entry, and replies with the next
 * number of the user's sequence, which orders index writes against
 * revocations, and the user's last revocation time (or false). The sequence
 * outlives the index and every mark by an hour.
 * KEYS: index, sequence, revocation time. ARGV: prune up to (ms), session key, score, now.
 */
export const INDEX = new RedisScript(`${HOUR}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], 'GT', ARGV[3], ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local ttl = math.max(1, math.ceil(tonumber(top[2]) - tonumber(ARGV[4])))
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', ttl))
local seq = redis.call('INCR', KEYS[2])
local keep = ttl + 2 * HOUR
if redis.call('PTTL', KEYS[2]) < keep then redis.call('PEXPIRE', KEYS[2], string.format('%.0f', keep)) end
return { seq, redis.call('GET', KEYS[3]) }
`);

/**
 * Prunes a user's index and lists what is left. With ARGV[2] = '1' (a
 * revocation) also takes the next number of the user's sequence: index
 * writes numbered below it were listed. Replies { sequence or 0, keys }.
 * KEYS: index, sequence. ARGV: prune up to (ms), '1' or '0'.
 */
export const LIST = new RedisScript(`${HOUR}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local keys = redis.call('ZRANGE', KEYS[1], 0, -1)
local seq = 0
if ARGV[2] == '1' then
  seq = redis.call('INCR', KEYS[2])
  if redis.call('PTTL', KEYS[2]) < 2 * HOUR then redis.call('PEXPIRE', KEYS[2], 2 * HOUR) end
end
return { seq, keys }
`);

/**
 * The kept session of "sign out everywhere else": `keptAt` becomes just
 * after the revocation time, so `revokedAt` and `hasEnded` do not end it
 * too (revocationMark); `authenticatedAt` — when the user last proved who
 * they are — and the expiry stay. KEYS: the session. ARGV: user (JSON),
 * revocation time (ms). Replies 1 when kept, 0 when the session is gone or not the user's.
 */
export const KEEP = new RedisScript(
  LUA_JSNUM +
    LUA_JSON +
    LUA_STATE +
    `
local m = redis.call('HMGET', KEYS[1], '#', 'userId', 'keptAt')
if not m[1] or m[2] ~= ARGV[1] then return 0 end
local st = state(m[1])
local out = {}
head(st, out, 'keptAt', m[3], jsnum(math.max(number(m[3]) or 0, tonumber(ARGV[2]) + 1)))
st.w = st.w + 1
out[#out + 1] = '#'
out[#out + 1] = statetext(st)
write(KEYS[1], out)
return 1
`,
);
