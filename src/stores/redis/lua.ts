/**
 * Lua shared by RedisStore's scripts. A session is a Redis hash (record.ts
 * lays it out): one field per data and flash member, holding the member's
 * JSON text, one per other record field, and the store's state (`#`). A
 * script reads and writes only the fields it needs, so a small patch costs
 * the same on a large record as on a small one. Values keep their exact
 * text; a number a script computes is written as JavaScript writes it
 * (`jsnum`: Redis' cjson would write 14 digits and cannot tell `[]` from
 * `{}`). Keys stay JSON texts throughout: `JSON.stringify` quotes a key one
 * way only, so equal texts are equal keys — U+0000, quotes, backslashes and all.
 */

/** `jsnum(n)`: a finite number exactly as JavaScript's `String(n)` and `JSON.stringify(n)` write it. */
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

/**
 * JSON texts: `skip` (whitespace), `strend` and `valueend` (where a string or
 * any value of a compact text ends), `number` (a number text's value, else nil).
 */
export const LUA_JSON = String.raw`
local function malformed() error('RedisStore: malformed JSON in a stored session') end
local function skip(s, i) return (s:find('[^ \t\n\r]', i)) or (#s + 1) end
local function strend(s, i)
  i = i + 1
  while true do
    local j = s:find('["\\]', i)
    if not j then malformed() end
    if s:byte(j) == 34 then return j + 1 end
    i = j + 2
  end
end
local function valueend(s, i)
  local c = s:byte(i)
  if c == 34 then return strend(s, i) end
  if c ~= 91 and c ~= 123 then return s:find('[,%]}]', i) or #s + 1 end
  local depth = 0
  while true do
    local j = s:find('[%[%]{}"]', i)
    if not j then malformed() end
    local d = s:byte(j)
    if d == 34 then i = strend(s, j)
    else
      depth = depth + ((d == 91 or d == 123) and 1 or -1)
      i = j + 1
      if depth == 0 then return i end
    end
  end
end
local function number(t)
  local c = t and t:byte(1)
  if c == 45 or (c and c >= 48 and c <= 57) then return tonumber(t) end
end
`;

/**
 * The session hash's state field `#`: "<write version> <last member number>
 * <the record's JSON size in bytes> <data members> <flash members> <how far
 * the user's index entry reaches, or 0>" — `state` reads it, `statetext`
 * writes it. `head(st, out, name, old, new)` changes a record field (nil
 * removes it), keeping `st.bytes` the size of the record's JSON text
 * (`,"name":value`); `write(key, out)` sets the fields listed in `out`
 * (name, text, …; a false text deletes), in chunks (Lua's unpack is bounded).
 */
export const LUA_STATE = String.raw`
local function state(text)
  local w, seq, bytes, dn, fn, index = text:match('^(%d+) (%d+) (%d+) (%d+) (%d+) (%S+)$')
  if not w then error('RedisStore: malformed state in a stored session') end
  return { w = tonumber(w), seq = tonumber(seq), bytes = tonumber(bytes), dn = tonumber(dn),
    fn = tonumber(fn), index = index }
end
local function statetext(st)
  return string.format('%d %d %d %d %d ', st.w, st.seq, st.bytes, st.dn, st.fn) .. st.index
end
local function head(st, out, name, old, v)
  old = old or nil
  if old == v then return end
  if old then st.bytes = st.bytes - (#name + 4 + #old) end
  if v then st.bytes = st.bytes + #name + 4 + #v end
  out[#out + 1] = name
  out[#out + 1] = v or false
end
local function chunks(command, key, list)
  for i = 1, #list, 1000 do redis.call(command, key, unpack(list, i, math.min(i + 999, #list))) end
end
local function write(key, out)
  local sets, dels = {}, {}
  for i = 1, #out, 2 do
    if out[i + 1] then sets[#sets + 1] = out[i]; sets[#sets + 1] = out[i + 1]
    else dels[#dels + 1] = out[i] end
  end
  if #dels > 0 then chunks('HDEL', key, dels) end
  if #sets > 0 then chunks('HSET', key, sets) end
end
local function ttl(ms) return string.format('%.0f', math.max(1, math.ceil(ms))) end
`;

/**
 * Parsed JSON values that compare like `jsonEqual`, and `same`: texts first
 * (the update script's `pull` and `consumed`; needs LUA_JSON).
 */
export const LUA_EQUAL = String.raw`
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
