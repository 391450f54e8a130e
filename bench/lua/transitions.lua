-- submit -> send_to_fact_check -> pass_fact_check -> publish on fresh news drafts, each by its role's token.
-- Articles in progress go first, so each is carried through before new ones start.
-- Arguments: FIRST_ID, LAST_ID, then the tokens of the writer, the editor, the fact-checker, the publisher.

counters = {"taken", "published", "refused", "unmatched", "exhausted"}
taken, published, refused, unmatched, exhausted = 0, 0, 0, 0, 0
local steps = {"submit", "send_to_fact_check", "pass_fact_check", "publish"}
local tokens = {}
local next_fresh, last_id
local queue, head, tail = {}, 1, 0

function init(args)
  next_fresh, last_id = tonumber(args[1]), tonumber(args[2])
  for i = 1, 4 do tokens[i] = "Bearer " .. args[2 + i] end
end

function request()
  local item
  if head <= tail then
    item = queue[head]
    queue[head] = nil
    head = head + 1
  elseif next_fresh <= last_id then
    item = {next_fresh, 1}
    next_fresh = next_fresh + 1
  else
    exhausted = 1
    wrk.thread:stop()
    return wrk.format("GET", "/health/live")
  end
  return wrk.format("POST", "/api/v1/articles/" .. item[1] .. "/workflow/" .. steps[item[2]], {
    ["Authorization"] = tokens[item[2]],
    ["Content-Type"] = "application/json",
    ["X-Request-ID"] = "a" .. item[1] .. "s" .. item[2],
  }, "{}")
end

function response(status, headers, body)
  local rid
  for name, value in pairs(headers) do
    if string.lower(name) == "x-request-id" then rid = value end
  end
  local id, step = string.match(rid or "", "^a(%d+)s(%d+)$")
  if id == nil then
    unmatched = unmatched + 1
    return
  end
  step = tonumber(step)
  if status ~= 200 then
    refused = refused + 1
    return
  end
  taken = taken + 1
  if step == 4 then
    published = published + 1
  else
    tail = tail + 1
    queue[tail] = {tonumber(id), step + 1}
  end
end
