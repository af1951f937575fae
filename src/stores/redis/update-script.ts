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
 * KEYS: the session, its revocation marks. ARGV: now, idleMs, absoluteMs,
 * userField (as JSON text), persist ('' none, '0' off, '1' on), persist
 * idleMs, persist absoluteMs, then the index claim (user JSON, sequence
 * number, bound; see index.ts), the size limit (bytes), then the patch
 * operations, each a count and its items, keys as JSON texts: unset (key),
 * set (key, json), increment (key, by), pull (key, n, json × n), push (key,
 * n, json × n), consumed (key, json), flash (key, json), rotate (from, to,
 * at).
 *
 * Replies: 1 written; 0 no live record (nothing written); -1 a claim of the
 * user that a revocation already saw; { 'need', userJson, bound } when the
 * user's index must first reach `bound`; { 'large', bytes } when the patch
 * would make the record's JSON text larger than the limit. Nothing is
 * written before the script knows it replies 1.
 */
import { RedisScript } from './connection.ts';
import { LUA_JSNUM, LUA_JSON, LUA_STATE } from './lua.ts';

/** Parsed JSON values that compare like `jsonEqual`, and `same`: texts first. */
const LUA_EQUAL = String.raw`
-- Nodes: { s = raw string text } (JSON.stringify escapes one way, so equal
-- strings have equal texts), { v = number }, { l = literal },
-- { a = true, n, [1..n] } and { o = { key text = node }, n }.
local parse
parse = function(s, i)
  i = skip(s, i)
  local c = s:byte(i)
  if c == 34 then
    local e = strend(s, i)
    return { s = s:sub(i, e - 1) }, e
  elseif c == 91 or c == 123 then
    local close, node, n = c + 2, c == 91 and { a = true } or { o = {} }, 0
    i = skip(s, i + 1)
    if s:byte(i) == close then node.n = 0; return node, i + 1 end
    while true do
      if node.a then
        n = n + 1
        node[n], i = parse(s, i)
      else
        i = skip(s, i)
        local e = strend(s, i)
        local key, value = s:sub(i, e - 1)
        value, i = parse(s, skip(s, e) + 1)
        if node.o[key] == nil then n = n + 1 end
        node.o[key] = value
      end
      i = skip(s, i)
      local d = s:byte(i)
      i = i + 1
      if d == close then node.n = n; return node, i end
    end
  end
  local e = valueend(s, i)
  local t = s:sub(i, e - 1)
  local v = tonumber(t)
  if v then return { v = v }, e end
  return { l = t }, e
end
local equal
equal = function(x, y)
  if x.s or y.s then return x.s == y.s end
  if x.v or y.v then return x.v == y.v end
  if x.l or y.l then return x.l == y.l end
  if (x.a ~= nil) ~= (y.a ~= nil) or x.n ~= y.n then return false end
  if x.a then
    for k = 1, x.n do if not equal(x[k], y[k]) then return false end end
  else
    for k, v in pairs(x.o) do
      local w = y.o[k]
      if w == nil or not equal(v, w) then return false end
    end
  end
  return true
end
-- Values written by JSON.stringify (or spliced from its texts) differ in text
-- only through the key order of objects: without one on both sides, unequal
-- texts are unequal values.
local function same(a, b)
  if a == b then return true end
  if not (a:find('{', 1, true) and b:find('{', 1, true)) then return false end
  return equal(parse(a, 1), (parse(b, 1)))
end
`;

const LUA_UPDATE = String.raw`
local H = KEYS[1]
local now = tonumber(ARGV[1])
local m = redis.call('HMGET', H, '#', 'createdAt', 'lastSeenAt', 'expiresAt', 'idleMs', 'absoluteMs',
  'userId', 'authenticatedAt', 'persistent')
if not m[1] then return 0 end
local st = state(m[1])
local created, seen, expires = number(m[2]), number(m[3]), number(m[4])
if not (created and seen and expires) then return 0 end
local dIdle, dAbs = tonumber(ARGV[2]), tonumber(ARGV[3])
-- isLive, under the record's own timeouts where it has them.
if not (now < math.min(seen + (number(m[5]) or dIdle), created + (number(m[6]) or dAbs))
  and now < expires) then return 0 end
local before = st.bytes

-- Members: the fields the patch names, read once, changed here, written at the end.
local got, changed = {}, {}
local function raw(f)
  local s = got[f]
  if s == nil then s = redis.call('HGET', H, f); got[f] = s end
  return s
end
local function value(f)
  local s = raw(f)
  if s then return s:sub(s:find(' ', 1, true) + 1) end
end
-- Like JavaScript: a key set again keeps its place, a new key (or one removed and set again) goes last.
local function put(kind, k, v)
  local f, count = kind .. k, kind == 'd' and 'dn' or 'fn'
  local s = raw(f)
  local n = st[count]
  if v == nil then
    if not s then return end
    st.bytes = st.bytes - (#k + #s - s:find(' ', 1, true) + 1 + (n > 1 and 1 or 0))
    st[count] = n - 1
    got[f], changed[f] = false, false
    return
  end
  local t
  if s then
    local sp = s:find(' ', 1, true)
    st.bytes = st.bytes + #v - (#s - sp)
    t = s:sub(1, sp) .. v
  else
    st.seq = st.seq + 1
    st.bytes = st.bytes + #k + 1 + #v + (n > 0 and 1 or 0)
    st[count] = n + 1
    t = string.format('%d ', st.seq) .. v
  end
  got[f], changed[f] = t, t
end

local at = 11
local function take() at = at + 1; return ARGV[at] end
local function count() return tonumber(take()) end

for _ = 1, count() do local k = take(); put('d', k, nil); put('f', k, nil) end
for _ = 1, count() do local k = take(); put('d', k, take()) end
for _ = 1, count() do
  local k = take()
  local by = tonumber(take())
  put('d', k, jsnum((number(value('d' .. k)) or 0) + by))
end
for _ = 1, count() do
  local k, values = take(), {}
  for j = 1, count() do values[j] = take() end
  local cur = value('d' .. k)
  if cur and cur:byte(1) == 91 then
    local kept, i = {}, 2
    if cur:byte(2) ~= 93 then
      while true do
        local e = valueend(cur, i)
        local item, keep = cur:sub(i, e - 1), true
        for j = 1, #values do if same(item, values[j]) then keep = false; break end end
        if keep then kept[#kept + 1] = item end
        if cur:byte(e) == 93 then break end
        i = e + 1
      end
    end
    put('d', k, '[' .. table.concat(kept, ',') .. ']')
  end
end
for _ = 1, count() do
  local k, items = take(), {}
  for j = 1, count() do items[j] = take() end
  local cur = value('d' .. k)
  if not (cur and cur:byte(1) == 91) then put('d', k, '[' .. table.concat(items, ',') .. ']')
  elseif #items > 0 then
    put('d', k, cur == '[]' and '[' .. table.concat(items, ',') .. ']'
      or cur:sub(1, -2) .. ',' .. table.concat(items, ',') .. ']')
  end
end
for _ = 1, count() do
  local k, v = take(), take()
  local cur = value('f' .. k)
  if cur and same(cur, v) then put('f', k, nil) end
end
for _ = 1, count() do local k = take(); put('f', k, take()) end

local out = {}
local persistent, idle, absolute = m[9] or nil, m[5] or nil, m[6] or nil
if ARGV[5] == '0' then persistent, idle, absolute = nil, nil, nil
elseif ARGV[5] == '1' then
  persistent = 'true'
  idle = ARGV[6] ~= '' and ARGV[6] or nil
  absolute = ARGV[7] ~= '' and ARGV[7] or nil
end
local deadline = created + (number(absolute) or dAbs)
local nexp = math.min(now + (number(idle) or dIdle), deadline)

-- userIdOf: a string, or a finite number as String(n) writes it (its JSON text).
local ut, user = value('d' .. ARGV[4]), nil
if ut then
  if ut:byte(1) == 34 then user = ut elseif number(ut) then user = '"' .. ut .. '"' end
end
local authenticated = m[8] or nil
if user and user ~= m[7] then authenticated = ARGV[1] end
head(st, out, 'lastSeenAt', m[3], ARGV[1])
head(st, out, 'expiresAt', m[4], jsnum(nexp))
head(st, out, 'userId', m[7], user)
head(st, out, 'authenticatedAt', m[8], authenticated)
head(st, out, 'persistent', m[9], persistent)
head(st, out, 'idleMs', m[5], idle)
head(st, out, 'absoluteMs', m[6], absolute)
-- rotate: only from the value it names (applyPatch's rotated); the state's JSON as JavaScript writes it.
if count() == 1 then
  local from, to, rat = take(), take(), take()
  local old = redis.call('HGET', H, 'rotation')
  local cur = old and (old:match('"current":"([%w_%-]*)"') or '') or ''
  if cur == from then
    head(st, out, 'rotation', old, '{"current":"' .. to .. '","previous":"' .. from .. '","at":' .. rat .. '}')
  end
end
-- A patch may not grow the record past the limit (one already past it may still shrink).
if st.bytes > tonumber(ARGV[11]) and st.bytes > before then return { 'large', st.bytes } end

if not user then st.index = '0'
elseif user ~= m[7] or not ((number(st.index) or 0) >= nexp) then
  -- The user's index must list this session until nexp before the record says so.
  if ARGV[8] ~= user or tonumber(ARGV[10]) < nexp then return { 'need', user, jsnum(deadline) } end
  if user ~= m[7] then
    local mark = tonumber(redis.call('HGET', KEYS[2], user))
    if mark and mark >= tonumber(ARGV[9]) then return -1 end
  end
  st.index = ARGV[10]
end
for f, t in pairs(changed) do out[#out + 1] = f; out[#out + 1] = t end
st.w = st.w + 1
out[#out + 1] = '#'
out[#out + 1] = statetext(st)
write(H, out)
redis.call('PEXPIRE', H, ttl(nexp - now))
return 1
`;

/** The update script. */
export const UPDATE = new RedisScript(LUA_JSNUM + LUA_JSON + LUA_STATE + LUA_EQUAL + LUA_UPDATE);
