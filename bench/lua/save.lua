-- PUT /api/v1/articles/{id}: a new revision each time, If-Match chained from the last ETag.
-- Each article is in flight on at most one connection, so saves never conflict with each other.
-- Arguments: TOKEN, "id:revision,id:revision,...", PAYLOAD_FILE (JSON with @@N@@ where a counter goes).

counters = {"saved", "refused", "stale", "unmatched"}
saved, refused, stale, unmatched = 0, 0, 0, 0
local token, prefix, suffix
local pool = {}
local n = 0

function init(args)
  token = args[1]
  for id, rev in string.gmatch(args[2], "(%d+):(%d+)") do
    table.insert(pool, {tonumber(id), tonumber(rev)})
  end
  local file = assert(io.open(args[3], "r"))
  local payload = file:read("*a")
  file:close()
  prefix, suffix = string.match(payload, "^(.*)@@N@@(.*)$")
end

function request()
  local article = table.remove(pool)
  if article == nil then
    -- More connections than articles: should not happen, the bench gives two per connection.
    return wrk.format("GET", "/health/live")
  end
  n = n + 1
  return wrk.format("PUT", "/api/v1/articles/" .. article[1], {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["If-Match"] = '"r' .. article[2] .. '"',
    ["X-Request-ID"] = "a" .. article[1],
  }, prefix .. n .. suffix)
end

function response(status, headers, body)
  local rid, etag
  for name, value in pairs(headers) do
    local lower = string.lower(name)
    if lower == "x-request-id" then rid = value elseif lower == "etag" then etag = value end
  end
  local id = tonumber(string.match(rid or "", "^a(%d+)$"))
  if id == nil then
    unmatched = unmatched + 1
    return
  end
  local rev
  if status == 200 then
    saved = saved + 1
    rev = tonumber(string.match(etag or "", "r(%d+)"))
  else
    refused = refused + 1
    if status == 412 then stale = stale + 1 end
    rev = tonumber(string.match(body or "", '"current_revision":%s*(%d+)'))
  end
  table.insert(pool, 1, {id, rev or 1})
end
