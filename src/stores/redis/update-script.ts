/**
 * `RedisStore.update`: `applyPatch` (src/session/record.ts) as one Lua script,
 * so a patch is applied where the record lives, atomically, in one round
 * trip. It reads and writes only the hash fields the patch names (record.ts),
 * plus the record's few timestamps: its cost does not grow with the record.
 * `set` and `push` splice value texts, `increment` writes the sum as
 * JavaScript would, and `pull` and `consumed` compare texts, parsing only
 * texts that hold objects (`parse`, `equal`: like `jsonEqual`, objects in any
 * key order) — every other JSON value has one text.
 *
 * Every session request runs it, and Redis runs one script at a time, so it
 * is written for Redis' Lua: one `HMGET` reads the timestamps and every
 * member the patch names (the store lists them: "slots"), one `HSET` and one
 * `PEXPIRE` write; few tables, closures and strings per run (each costs an
 * allocation and garbage collection), and the helpers that only `pull` and
 * `consumed` need are made only when a patch has one.
 *
 * KEYS: the session, and with a claim its revocation marks. ARGV: now,
 * idleMs, absoluteMs, persist ('' none, '0' off, '1' on), persist idleMs,
 * persist absoluteMs, then the index claim (user JSON or '', sequence
 * number, bound; see index.ts), the size limit (bytes), now + idleMs as
 * JavaScript writes it, then the slots: a
 * count and the hash fields the patch reads (the user field's member first),
 * then the patch operations' seven counts, then their items, members named by
 * slot number: unset (data slot, flash slot), set (slot, json), increment
 * (slot, by), pull (slot, n, json × n), push (slot, n, json × n), consumed
 * (slot, json), flash (slot, json), rotate (from, to, at).
 *
 * Replies: 1 written; 0 no live record (nothing written); -1 a claim of the
 * user that a revocation already saw; { 'need', userJson, bound } when the
 * user's index must first reach `bound`; { 'large', bytes } when the patch
 * would make the record's JSON text larger than the limit. Nothing is
 * written before the script knows it replies 1.
 */
import { RedisScript } from './connection.ts';
import { LUA_EQUAL, LUA_JSNUM, LUA_JSON } from './lua.ts';

const LUA_UPDATE =
  String.raw`
-- The helpers of pull, consumed and numbers other than whole ones: made only for such a patch.
local function helpers()
` +
  LUA_JSNUM +
  LUA_JSON +
  LUA_EQUAL +
  String.raw`
  return same, valueend, jsnum
end
local same, valueend, jsnum

local H = KEYS[1]
local R = tonumber(ARGV[12])
-- The state (lua.ts), the timestamps, the timeouts and user, then the slots.
local m = redis.call('HMGET', H, '#', 'createdAt', 'lastSeenAt', 'expiresAt', 'idleMs', 'absoluteMs',
  'userId', unpack(ARGV, 13, 12 + R))
if not m[1] then return 0 end
-- Texts; Lua's arithmetic reads those it needs.
local w, seq, bytes, dn, fn, index = string.match(m[1], '^(%d+) (%d+) (%d+) (%d+) (%d+) (%S+)$')
if not w then error('RedisStore: malformed state in a stored session') end
-- Stored numbers are JSON texts, which tonumber reads as JSON does (false, for none, gives nil).
local now, created, seen, expires = tonumber(ARGV[1]), tonumber(m[2]), tonumber(m[3]), tonumber(m[4])
if not (created and seen and expires) then return 0 end
local dIdle, dAbs = tonumber(ARGV[2]), tonumber(ARGV[3])
local idle, absolute = m[5] or nil, m[6] or nil
-- isLive, under the record's own timeouts where it has them.
if not (now < math.min(seen + (tonumber(idle) or dIdle), created + (tonumber(absolute) or dAbs))
  and now < expires) then return 0 end

-- HSET's fields and values (ns of them; '#' and expiresAt are filled in last), HDEL's, and how
-- many bytes the record's JSON text grows. A field may come twice: the last value stands.
local sets, ns, dels, grow = { '#', false, 'lastSeenAt', ARGV[1], 'expiresAt', false, nil, nil }, 6, nil, 0
-- Slot i's member is m[7 + i] ("<number> <json>", false when absent). Like JavaScript: a key set
-- again keeps its place, a new key (or one removed and set again) goes last. Only unset and
-- consumed remove, and they come before the operations that set, so HDEL before HSET is right.
-- The operations' counts come first (unset, set, increment, pull, push, consumed, flash), then
-- their items. put, a closure over eight locals, is made only for operations other than set.
local c = 12 + R
local at = c + 7
local put
if not (ARGV[c + 1] == '0' and ARGV[c + 3] == '0' and ARGV[c + 4] == '0' and ARGV[c + 5] == '0'
  and ARGV[c + 6] == '0' and ARGV[c + 7] == '0') then
  put = function(i, v)
    local s, f = m[7 + i], ARGV[12 + i]
    local data = f:byte(1) == 100
    local n = data and dn or fn
    if v == nil then
      if not s then return end
      grow = grow - (#f + #s - s:find(' ', 1, true) + (n - 1 > 0 and 1 or 0))
      if data then dn = n - 1 else fn = n - 1 end
      m[7 + i] = false
      dels = dels or {}
      dels[#dels + 1] = f
      return
    end
    if s then
      local sp = s:find(' ', 1, true)
      grow = grow + #v - (#s - sp)
      s = s:sub(1, sp) .. v
    else
      seq = seq + 1
      grow = grow + #f + #v + (n + 0 > 0 and 1 or 0)
      if data then dn = n + 1 else fn = n + 1 end
      s = seq .. ' ' .. v
    end
    m[7 + i] = s
    sets[ns + 1], sets[ns + 2], ns = f, s, ns + 2
  end
  if ARGV[c + 3] ~= '0' or ARGV[c + 4] ~= '0' or ARGV[c + 6] ~= '0' then same, valueend, jsnum = helpers() end
end

local n = ARGV[c + 1]
for _ = 1, n == '0' and 0 or n do put(tonumber(ARGV[at + 1]), nil); put(tonumber(ARGV[at + 2]), nil); at = at + 2 end
-- set: put's work for data members, inline.
n = ARGV[c + 2]
for _ = 1, n == '0' and 0 or n do
  local i, v = tonumber(ARGV[at + 1]), ARGV[at + 2]
  at = at + 2
  local s, f = m[7 + i], ARGV[12 + i]
  if s then
    local sp = s:find(' ', 1, true)
    grow = grow + #v - (#s - sp)
    s = s:sub(1, sp) .. v
  else
    seq = seq + 1
    grow = grow + #f + #v + (dn + 0 > 0 and 1 or 0)
    dn = dn + 1
    s = seq .. ' ' .. v
  end
  m[7 + i] = s
  sets[ns + 1], sets[ns + 2], ns = f, s, ns + 2
end
n = ARGV[c + 3]
for _ = 1, n == '0' and 0 or n do
  local i = tonumber(ARGV[at + 1])
  local cur = m[7 + i]
  cur = cur and cur:sub(cur:find(' ', 1, true) + 1)
  put(i, jsnum((tonumber(cur) or 0) + ARGV[at + 2]))
  at = at + 2
end
n = ARGV[c + 4]
for _ = 1, n == '0' and 0 or n do
  local i, values = tonumber(ARGV[at + 1]), {}
  for j = 1, tonumber(ARGV[at + 2]) do values[j] = ARGV[at + 2 + j] end
  at = at + 2 + #values
  local cur = m[7 + i]
  cur = cur and cur:sub(cur:find(' ', 1, true) + 1)
  if cur and cur:byte(1) == 91 then
    local kept, p = {}, 2
    if cur:byte(2) ~= 93 then
      while true do
        local e = valueend(cur, p)
        local item, keep = cur:sub(p, e - 1), true
        for j = 1, #values do if same(item, values[j]) then keep = false; break end end
        if keep then kept[#kept + 1] = item end
        if cur:byte(e) == 93 then break end
        p = e + 1
      end
    end
    put(i, '[' .. table.concat(kept, ',') .. ']')
  end
end
n = ARGV[c + 5]
for _ = 1, n == '0' and 0 or n do
  local i, k = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  local items = table.concat(ARGV, ',', at + 3, at + 2 + k)
  at = at + 2 + k
  local cur = m[7 + i]
  cur = cur and cur:sub(cur:find(' ', 1, true) + 1)
  if not (cur and cur:byte(1) == 91) then put(i, '[' .. items .. ']')
  elseif k > 0 then put(i, cur == '[]' and '[' .. items .. ']' or cur:sub(1, -2) .. ',' .. items .. ']') end
end
n = ARGV[c + 6]
for _ = 1, n == '0' and 0 or n do
  local i = tonumber(ARGV[at + 1])
  local cur = m[7 + i]
  cur = cur and cur:sub(cur:find(' ', 1, true) + 1)
  if cur and same(cur, ARGV[at + 2]) then put(i, nil) end
  at = at + 2
end
n = ARGV[c + 7]
for _ = 1, n == '0' and 0 or n do put(tonumber(ARGV[at + 1]), ARGV[at + 2]); at = at + 2 end
at = at + 1

-- Changes of the rarer record fields: name, old text, new text (false: none), …
local changes, nc = nil, 0
if ARGV[4] ~= '' then
  local on = ARGV[4] == '1'
  local ni, na = on and ARGV[5] ~= '' and ARGV[5] or nil, on and ARGV[6] ~= '' and ARGV[6] or nil
  changes = { 'persistent', redis.call('HGET', H, 'persistent'), on and 'true' or false,
    'idleMs', idle or false, ni or false, 'absoluteMs', absolute or false, na or false }
  nc = 9
  idle, absolute = ni, na
end
local deadline = created + (tonumber(absolute) or dAbs)
local nexp = math.min(now + (tonumber(idle) or dIdle), deadline)
-- expiresAt as JavaScript writes it: most often now + idleMs, which the store wrote (ARGV[11]).
local etext
if nexp == now + dIdle then etext = ARGV[11]
elseif nexp % 1 == 0 and math.abs(nexp) < 2^53 then etext = string.format('%.0f', nexp)
else
  if not jsnum then same, valueend, jsnum = helpers() end
  etext = jsnum(nexp)
end
sets[6] = etext
grow = grow + #ARGV[1] - #m[3] + #etext - #m[4]

-- userIdOf: a string, or a finite number as String(n) writes it (its JSON text).
local user, ut, olduser = nil, m[8], m[7] or nil
if ut then
  local sp = ut:find(' ', 1, true)
  local c = ut:byte(sp + 1)
  if c == 34 then
    -- The stored user's own text when the member holds it (no new string).
    if olduser and #ut - sp == #olduser and ut:find(olduser, sp + 1, true) == sp + 1 then user = olduser
    else user = ut:sub(sp + 1) end
  elseif c == 45 or (c >= 48 and c <= 57) then user = '"' .. ut:sub(sp + 1) .. '"' end
end
if user ~= olduser then
  changes = changes or {}
  changes[nc + 1], changes[nc + 2], changes[nc + 3], nc = 'userId', olduser or false, user or false, nc + 3
  -- A session that gains a user authenticates now.
  if user then
    changes[nc + 1], changes[nc + 2], changes[nc + 3], nc =
      'authenticatedAt', redis.call('HGET', H, 'authenticatedAt'), ARGV[1], nc + 3
  end
end
-- rotate: only from the value it names (applyPatch's rotated); the state's JSON as JavaScript writes it.
if ARGV[at] == '1' then
  local from, to, rat = ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  local old = redis.call('HGET', H, 'rotation')
  if (old and (old:match('"current":"([%w_%-]*)"') or '') or '') == from then
    changes = changes or {}
    changes[nc + 1], changes[nc + 2], changes[nc + 3], nc =
      'rotation', old, '{"current":"' .. to .. '","previous":"' .. from .. '","at":' .. rat .. '}', nc + 3
  end
end
for j = 1, nc, 3 do
  local name, old, v = changes[j], changes[j + 1], changes[j + 2]
  if old ~= v then
    if old then grow = grow - (#name + 4 + #old) end
    if v then grow = grow + #name + 4 + #v; sets[ns + 1], sets[ns + 2], ns = name, v, ns + 2
    else dels = dels or {}; dels[#dels + 1] = name end
  end
end
-- A patch may not grow the record past the limit (one already past it may still shrink).
if grow > 0 and bytes + grow > tonumber(ARGV[10]) then return { 'large', bytes + grow } end

if not user then index = '0'
elseif user ~= olduser or not ((tonumber(index) or 0) >= nexp) then
  -- The user's index must list this session until nexp before the record says so.
  if ARGV[7] ~= user or tonumber(ARGV[9]) < nexp then
    if not jsnum then same, valueend, jsnum = helpers() end
    return { 'need', user, jsnum(deadline) }
  end
  if user ~= olduser then
    local mark = tonumber(redis.call('HGET', KEYS[2], user))
    if mark and mark >= tonumber(ARGV[8]) then return -1 end
  end
  index = ARGV[9]
end
if grow ~= 0 then bytes = bytes + grow end
-- The state's numbers are whole and far below 10^14, which Lua's .. writes in full.
sets[2] = (w + 1) .. ' ' .. seq .. ' ' .. bytes .. ' ' .. dn .. ' ' .. fn .. ' ' .. index
-- In chunks: Lua's unpack is bounded.
if dels then for i = 1, #dels, 1000 do redis.call('HDEL', H, unpack(dels, i, math.min(i + 999, #dels))) end end
for i = 1, ns, 1000 do redis.call('HSET', H, unpack(sets, i, math.min(i + 999, ns))) end
local ttl = nexp - now
redis.call('PEXPIRE', H, ttl == dIdle and ttl >= 1 and ttl % 1 == 0 and ARGV[2]
  or string.format('%.0f', math.max(1, math.ceil(ttl))))
return 1
`;

/** The update script. */
export const UPDATE = new RedisScript(LUA_UPDATE);
