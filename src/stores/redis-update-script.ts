/**
 * `RedisStore.update`: `applyPatch` (src/session/record.ts) as one Lua script,
 * so a patch is applied where the record lives, atomically, in one round trip.
 *
 * A session is one hash: `#c` createdAt, `#l` lastSeenAt, `#e` expiresAt,
 * `#u` userId (as JSON text), `#a` authenticatedAt, `#p` persistent, `#i`
 * idleMs, `#b` absoluteMs, `#m` meta (JSON), `#x` how far the user's index
 * entry is known to reach; then `d<key>` per data key and `f<key>` per flash
 * key, each the JSON text of its value. Keeping each value as its own text
 * means a patch never decodes and re-encodes what it does not change
 * (Redis' cjson writes numbers with 14 digits and cannot tell `[]` from
 * `{}`): `set` and `push` splice texts, `increment` writes the number as
 * JavaScript would (`jsnum`), and `pull` and `consumed` parse texts only to
 * compare them (`parse`, `equal`: `jsonEqual`, objects in any key order).
 *
 * KEYS: the session hash, its revocation marks. ARGV: now, idleMs,
 * absoluteMs, userField, persist ('' none, '0' off, '1' on), persist idleMs,
 * persist absoluteMs, then the index claim (user JSON, sequence, bound; see
 * redis.ts), then the patch operations, each a count followed by its items:
 * unset keys, set (key, json), increment (key, by), pull (key, n, json × n),
 * push (key, n, json × n), consumed (key, json), flash (key, json).
 *
 * Replies: 1 written; 0 no live record (nothing written); -1 a claim of the
 * user that a revocation already saw; { 'need', userJson, bound } when the
 * user's index must first reach `bound` (nothing written).
 */
import { RedisScript } from './redis-connection.ts';

/** Lua that writes a finite number exactly as JavaScript's `String(n)` and `JSON.stringify(n)` do. */
export const LUA_JSNUM = String.raw`
local function jsnum(n)
  if n ~= n or n == math.huge or n == -math.huge then return 'null' end
  if n == 0 then return '0' end
  if n == math.floor(n) and math.abs(n) <= 9007199254740992 then return string.format('%.0f', n) end
  -- The fewest significant digits that read back as n, laid out like Number.prototype.toString.
  for p = 0, 16 do
    local s = string.format('%.' .. p .. 'e', n)
    if tonumber(s) == n then
      local sign, lead, rest, e = s:match('^(-?)(%d)%.?(%d*)e([-+]%d+)$')
      local digits = (lead .. rest):gsub('0+$', '')
      local k, point = #digits, tonumber(e) + 1
      local out
      if k <= point and point <= 21 then out = digits .. string.rep('0', point - k)
      elseif 0 < point and point <= 21 then out = digits:sub(1, point) .. '.' .. digits:sub(point + 1)
      elseif -6 < point and point <= 0 then out = '0.' .. string.rep('0', -point) .. digits
      else
        out = digits:sub(1, 1) .. (k > 1 and '.' .. digits:sub(2) or '') .. 'e' ..
          (point > 0 and '+' or '-') .. math.abs(point - 1)
      end
      return sign .. out
    end
  end
  return string.format('%.17g', n)
end
`;

/** Lua that parses compact JSON text into comparable nodes, and compares them like `jsonEqual`. */
const LUA_JSON = String.raw`
local function skip(s, i) return (s:find('[^ \t\n\r]', i)) or (#s + 1) end
local function strend(s, i)
  i = i + 1
  while true do
    local j = s:find('["\\]', i)
    if not j then error('RedisStore: malformed JSON in a session value') end
    if s:byte(j) == 34 then return j + 1 end
    i = j + 2
  end
end
-- Nodes: { s = raw string text } (JSON.stringify escapes one way, so equal
-- strings have equal texts), { v = number }, { l = literal },
-- { a = true, n, [1..n] } and { o = { raw key text = node }, n }.
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
  local _, e = s:find('^[^,%]}%s]+', i)
  if not e then error('RedisStore: malformed JSON in a session value') end
  local t = s:sub(i, e)
  local v = tonumber(t)
  if v then return { v = v }, e + 1 end
  return { l = t }, e + 1
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
local function number(t)
  local c = t:byte(1)
  if c == 45 or (c and c >= 48 and c <= 57) then return tonumber(t) end
end
`;

const LUA_UPDATE = String.raw`
local H, M = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])
local r = redis.call('HMGET', H, '#c', '#l', '#e', '#u', '#a', '#p', '#i', '#b', '#x')
local created, seen, expires = tonumber(r[1]), tonumber(r[2]), tonumber(r[3])
if not (created and seen and expires) then return 0 end
local dIdle, dAbs = tonumber(ARGV[2]), tonumber(ARGV[3])
-- isLive, under the record's own timeouts where it has them.
if not (now < math.min(seen + (tonumber(r[7]) or dIdle), created + (tonumber(r[8]) or dAbs))
  and now < expires) then return 0 end

-- Pending writes by field (false: delete), in first-write order.
local writes, order = {}, {}
local function put(f, v)
  if writes[f] == nil then order[#order + 1] = f end
  writes[f] = v
end
local function get(f)
  local v = writes[f]
  if v == nil then v = redis.call('HGET', H, f) end
  return v
end
local at = 10
local function take() at = at + 1; return ARGV[at] end
local function count() return tonumber(take()) end

for _ = 1, count() do local k = take(); put('d' .. k, false); put('f' .. k, false) end
for _ = 1, count() do local k = take(); put('d' .. k, take()) end
for _ = 1, count() do
  local f = 'd' .. take()
  local by, cur = tonumber(take()), get(f)
  put(f, jsnum((cur and number(cur) or 0) + by))
end
for _ = 1, count() do
  local f, values = 'd' .. take(), {}
  for j = 1, count() do values[j] = parse(take(), 1) end
  local cur = get(f)
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
    put(f, '[' .. table.concat(kept, ',') .. ']')
  end
end
for _ = 1, count() do
  local f, items = 'd' .. take(), {}
  for j = 1, count() do items[j] = take() end
  local cur = get(f)
  if not (cur and cur:byte(1) == 91) then put(f, '[' .. table.concat(items, ',') .. ']')
  elseif #items > 0 then
    put(f, cur:find('^%[%s*%]$') and '[' .. table.concat(items, ',') .. ']'
      or cur:sub(1, -2) .. ',' .. table.concat(items, ',') .. ']')
  end
end
for _ = 1, count() do
  local f, v = 'f' .. take(), take()
  local cur = get(f)
  if cur and equal(parse(cur, 1), (parse(v, 1))) then put(f, false) end
end
for _ = 1, count() do local k = take(); put('f' .. k, take()) end

local persistent, idle, abs = r[6], r[7], r[8]
if ARGV[5] == '0' then persistent, idle, abs = false, false, false
elseif ARGV[5] == '1' then
  persistent = '1'
  idle = ARGV[6] ~= '' and ARGV[6] or false
  abs = ARGV[7] ~= '' and ARGV[7] or false
end
local deadline = created + (tonumber(abs) or dAbs)
local nexp = math.min(now + (tonumber(idle) or dIdle), deadline)

-- userIdOf: a string, or a number as String(n) writes it (its JSON text).
local user, ut = false, get('d' .. ARGV[4])
if ut then
  if ut:byte(1) == 34 then user = ut elseif number(ut) then user = '"' .. ut .. '"' end
end
local auth, bound = r[5], r[9]
if not user then bound = false
else
  if user ~= r[4] then auth = ARGV[1] end
  if user ~= r[4] or not (tonumber(bound) and tonumber(bound) >= nexp) then
    -- The user's index must list this session until nexp before the record says so.
    if ARGV[8] ~= user or tonumber(ARGV[10]) < nexp then return { 'need', user, jsnum(deadline) } end
    if user ~= r[4] then
      local mark = tonumber(redis.call('HGET', M, user))
      if mark and mark >= tonumber(ARGV[9]) then return -1 end
    end
    bound = ARGV[10]
  end
end
put('#l', ARGV[1]); put('#e', jsnum(nexp)); put('#u', user); put('#a', auth)
put('#p', persistent); put('#i', idle); put('#b', abs); put('#x', bound)

local sets, dels = {}, {}
for _, f in ipairs(order) do
  local v = writes[f]
  if v then sets[#sets + 1] = f; sets[#sets + 1] = v else dels[#dels + 1] = f end
end
for j = 1, #sets, 4000 do redis.call('HSET', H, unpack(sets, j, math.min(j + 3999, #sets))) end
for j = 1, #dels, 4000 do redis.call('HDEL', H, unpack(dels, j, math.min(j + 3999, #dels))) end
redis.call('PEXPIRE', H, string.format('%.0f', math.max(1, math.ceil(nexp - now))))
return 1
`;

/** The update script. */
export const UPDATE = new RedisScript(LUA_JSNUM + LUA_JSON + LUA_UPDATE);
