/**
 * `RedisStore.update`: `applyPatch` (src/session/record.ts) as one Lua script,
 * so a patch is applied where the record lives, atomically, in one round
 * trip. The record is a JSON text (lua.ts); `set` and `push` splice
 * value texts, `increment` writes the sum as JavaScript would, and `pull`
 * and `consumed` parse texts only to compare them (`parse`, `equal`: like
 * `jsonEqual`, objects in any key order).
 *
 * KEYS: the session, its revocation marks. ARGV: now, idleMs, absoluteMs,
 * userField (as JSON text), persist ('' none, '0' off, '1' on), persist
 * idleMs, persist absoluteMs, then the index claim (user JSON, sequence
 * number, bound; see redis.ts), then the patch operations, each a count and
 * its items, keys as JSON texts: unset (key), set (key, json), increment
 * (key, by), pull (key, n, json × n), push (key, n, json × n), consumed
 * (key, json), flash (key, json).
 *
 * Replies: 1 written; 0 no live record (nothing written); -1 a claim of the
 * user that a revocation already saw; { 'need', userJson, bound } when the
 * user's index must first reach `bound` (nothing written).
 */
import { RedisScript } from './connection.ts';
import { LUA_JSNUM, LUA_JSON, LUA_RECORD } from './lua.ts';

/** Parsed JSON values that compare like `jsonEqual`. */
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
`;

const LUA_UPDATE = String.raw`
local now = tonumber(ARGV[1])
local r = load(KEYS[1])
if not r then return 0 end
local f = r.fields
local created, seen, expires = number(f.createdAt), number(f.lastSeenAt), number(f.expiresAt)
if not (created and seen and expires) then return 0 end
local dIdle, dAbs = tonumber(ARGV[2]), tonumber(ARGV[3])
-- isLive, under the record's own timeouts where it has them.
if not (now < math.min(seen + (number(f.idleMs) or dIdle), created + (number(f.absoluteMs) or dAbs))
  and now < expires) then return 0 end

local data, flash = r.data, r.flash
local at = 10
local function take() at = at + 1; return ARGV[at] end
local function count() return tonumber(take()) end

for _ = 1, count() do local k = take(); put(data, k, nil); put(flash, k, nil) end
for _ = 1, count() do local k = take(); put(data, k, take()) end
for _ = 1, count() do
  local k = take()
  local by = tonumber(take())
  put(data, k, jsnum((number(data.values[k]) or 0) + by))
end
for _ = 1, count() do
  local k, values = take(), {}
  for j = 1, count() do values[j] = parse(take(), 1) end
  local cur = data.values[k]
  if cur and cur:byte(1) == 91 then
    local kept, i = {}, skip(cur, 2)
    if cur:byte(i) ~= 93 then
      while true do
        local node, e = parse(cur, i)
        local keep = true
        for j = 1, #values do if equal(node, values[j]) then keep = false; break end end
        if keep then kept[#kept + 1] = cur:sub(i, e - 1) end
        i = skip(cur, e)
        local d = cur:byte(i)
        i = skip(cur, i + 1)
        if d == 93 then break end
      end
    end
    put(data, k, '[' .. table.concat(kept, ',') .. ']')
  end
end
for _ = 1, count() do
  local k, items = take(), {}
  for j = 1, count() do items[j] = take() end
  local cur = data.values[k]
  if not (cur and cur:byte(1) == 91) then put(data, k, '[' .. table.concat(items, ',') .. ']')
  elseif #items > 0 then
    put(data, k, cur:find('^%[%s*%]$') and '[' .. table.concat(items, ',') .. ']'
      or cur:sub(1, -2) .. ',' .. table.concat(items, ',') .. ']')
  end
end
for _ = 1, count() do
  local k, v = take(), take()
  local cur = flash.values[k]
  if cur and equal(parse(cur, 1), (parse(v, 1))) then put(flash, k, nil) end
end
for _ = 1, count() do local k = take(); put(flash, k, take()) end

local before = f.userId
if ARGV[5] == '0' then f.persistent, f.idleMs, f.absoluteMs = nil, nil, nil
elseif ARGV[5] == '1' then
  f.persistent = 'true'
  f.idleMs = ARGV[6] ~= '' and ARGV[6] or nil
  f.absoluteMs = ARGV[7] ~= '' and ARGV[7] or nil
end
local deadline = created + (number(f.absoluteMs) or dAbs)
local nexp = math.min(now + (number(f.idleMs) or dIdle), deadline)

-- userIdOf: a string, or a finite number as String(n) writes it (its JSON text).
local ut, user = data.values[ARGV[4]], nil
if ut then
  if ut:byte(1) == 34 then user = ut elseif number(ut) then user = '"' .. ut .. '"' end
end
if not user then f['#index'] = nil
else
  if user ~= before then f.authenticatedAt = ARGV[1] end
  if user ~= before or not (number(f['#index']) and number(f['#index']) >= nexp) then
    -- The user's index must list this session until nexp before the record says so.
    if ARGV[8] ~= user or tonumber(ARGV[10]) < nexp then return { 'need', user, jsnum(deadline) } end
    if user ~= before then
      local mark = tonumber(redis.call('HGET', KEYS[2], user))
      if mark and mark >= tonumber(ARGV[9]) then return -1 end
    end
    f['#index'] = ARGV[10]
  end
end
f.userId, f.lastSeenAt, f.expiresAt = user, ARGV[1], jsnum(nexp)
store(KEYS[1], r, nexp - now)
return 1
`;

/** The update script. */
export const UPDATE = new RedisScript(LUA_JSNUM + LUA_JSON + LUA_RECORD + LUA_EQUAL + LUA_UPDATE);
