/**
 * Lua shared by RedisStore's scripts: a session record stored as the JSON
 * text `JSON.stringify` made of it, taken apart and put back together as
 * texts. A value the script does not change keeps its exact text (Redis'
 * cjson would write numbers with 14 digits and cannot tell `[]` from `{}`);
 * a number the script computes is written as JavaScript writes it (`jsnum`).
 * Object keys stay JSON texts throughout: `JSON.stringify` quotes a key one
 * way only, so the client sends the keys of a patch quoted the same way and
 * equal texts are equal keys — U+0000, quotes, backslashes and all.
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
 * any value of a compact text ends), `object` (a compact object's members as
 * an ordered map of key text to value text) and `encode` (back to text),
 * `number` (a number text's value, else nil).
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
-- An ordered map: keys (with stale entries), pos (a key's live entry), values.
-- Stored texts are compact (JSON.stringify's or this script's): no whitespace to skip.
local function object(s)
  local o = { keys = {}, pos = {}, values = {} }
  if s == '{}' then return o end
  local keys, pos, values, n, i = o.keys, o.pos, o.values, 0, 2
  while true do
    local e = strend(s, i)
    local key = s:sub(i, e - 1)
    local ve = valueend(s, e + 1)
    n = n + 1
    keys[n], pos[key], values[key] = key, n, s:sub(e + 1, ve - 1)
    if s:byte(ve) == 125 then return o end
    i = ve + 1
  end
end
-- Like JavaScript: a key set again keeps its place, a key removed and set again goes last.
local function put(o, key, v)
  if v == nil then o.values[key] = nil; return end
  if o.values[key] == nil then
    o.keys[#o.keys + 1] = key
    o.pos[key] = #o.keys
  end
  o.values[key] = v
end
local function encode(o)
  local out = {}
  for at, key in ipairs(o.keys) do
    local v = o.values[key]
    if v and o.pos[key] == at then out[#out + 1] = key .. ':' .. v end
  end
  return '{' .. table.concat(out, ',') .. '}'
end
local function number(t)
  local c = t and t:byte(1)
  if c == 45 or (c and c >= 48 and c <= 57) then return tonumber(t) end
end
`;

/**
 * `members(key)`: the top-level members of the session at `key` (key text to
 * value text), or nil; `load(key)`: the session as { data, flash (ordered
 * maps), fields (the other members' texts by name) }, or nil; `store(key, r, ttl)` writes
 * it back in applyPatch's member order, with a TTL in ms. `#index` is the
 * store's own member: how far the user's index entry reaches.
 */
export const LUA_RECORD = String.raw`
-- Each member as three constants: its name, its key text, what precedes it when written.
local MEMBERS = {
  'createdAt', '"createdAt"', ',"createdAt":', 'lastSeenAt', '"lastSeenAt"', ',"lastSeenAt":',
  'expiresAt', '"expiresAt"', ',"expiresAt":', 'userId', '"userId"', ',"userId":',
  'authenticatedAt', '"authenticatedAt"', ',"authenticatedAt":', 'persistent', '"persistent"', ',"persistent":',
  'idleMs', '"idleMs"', ',"idleMs":', 'absoluteMs', '"absoluteMs"', ',"absoluteMs":',
  'meta', '"meta"', ',"meta":', '#index', '"#index"', ',"#index":',
}
-- The top-level members of the session at key (key text to value text), or nil.
local function members(key)
  local text = redis.call('GET', key)
  return text and object(text).values or nil
end
local function load(key)
  local top = members(key)
  if not top then return nil end
  local fields = {}
  for m = 1, #MEMBERS, 3 do fields[MEMBERS[m]] = top[MEMBERS[m + 1]] end
  return { fields = fields, data = object(top['"data"'] or '{}'), flash = object(top['"flash"'] or '{}') }
end
local function store(key, r, ttl)
  local out, fields = { '{"data":', encode(r.data), ',"flash":', encode(r.flash) }, r.fields
  for m = 1, #MEMBERS, 3 do
    local v = fields[MEMBERS[m]]
    if v then out[#out + 1] = MEMBERS[m + 2]; out[#out + 1] = v end
  end
  out[#out + 1] = '}'
  redis.call('SET', key, table.concat(out), 'PX', string.format('%.0f', math.max(1, math.ceil(ttl))))
end
`;
