-- wrk script for opt-in changes with If-Match, optionally mixed with reads.
--
--   wrk ... -s benches/lua/optin.lua <url> -- <pairs-file> <token-file> [<read-percent>
--                                              <templates-file> <id-file>]
--
-- The pairs file (written by run.sh) holds one participation a line:
-- `<participation id> <project id> <organization> <state> <version>`, each in state
-- `council_decision_pending` or `intends_to_join`. Every write moves one of them to the other
-- state (the payer joins or leaves the planning scenario, so the project's shares are
-- recomputed), with the version last seen as If-Match. A participation is never changed by two
-- requests at once, so no answer should be 412; the ETag of each answer is the next If-Match.
-- With a read percentage, that share of the requests are GETs of a random template line (with
-- `{id}` replaced by a random project id).

local pairs_list, by_id, token = {}, {}, nil
local read_percent, templates, ids = 0, nil, nil
local cursor = 0

local function read_lines(path)
  local lines = {}
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    if line ~= "" then lines[#lines + 1] = line end
  end
  file:close()
  return lines
end

function init(args)
  for _, line in ipairs(read_lines(args[1])) do
    local id, project, org, state, version = line:match("^(%S+) (%S+) (%S+) (%S+) (%S+)$")
    local entry = { id = id, project = project, org = org, state = state,
                    version = version, busy = false }
    pairs_list[#pairs_list + 1] = entry
    by_id[id] = entry
  end
  token = read_lines(args[2])[1]
  if args[3] then
    read_percent = tonumber(args[3])
    templates = read_lines(args[4])
    ids = read_lines(args[5])
  end
  math.randomseed(os.time())
  cursor = math.random(#pairs_list)
end

local function read_request()
  local template = templates[math.random(#templates)]
  local path = template:gsub("{id}", ids[math.random(#ids)])
  return wrk.format("GET", path, {
    ["Accept"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  })
end

function request()
  if read_percent > 0 and math.random(100) <= read_percent then
    return read_request()
  end
  -- The next participation not in flight (there are more than connections).
  for _ = 1, #pairs_list do
    cursor = cursor % #pairs_list + 1
    local entry = pairs_list[cursor]
    if not entry.busy then
      entry.busy = true
      local target = entry.state == "council_decision_pending" and "intends_to_join"
                     or "council_decision_pending"
      entry.target = target
      local body = '{"state":"' .. target .. '","reason":"bench"}'
      return wrk.format("PUT",
        "/api/v1/projects/" .. entry.project .. "/participations/" .. entry.org, {
          ["Content-Type"] = "application/json",
          ["Accept"] = "application/json",
          ["Authorization"] = "Bearer " .. token,
          ["If-Match"] = '"' .. entry.version .. '"',
        }, body)
    end
  end
  return read_request()
end

function response(status, headers, body)
  if not body:find('"council_resolution_required"', 1, true) then return end
  local id = body:match('"id"%s*:%s*"([%x%-]+)"')
  local entry = id and by_id[id]
  if not entry then return end
  local etag = headers["ETag"] or headers["etag"] or headers["Etag"]
  local version = (etag and etag:match("(%d+)")) or body:match('"version"%s*:%s*(%d+)')
  if status >= 200 and status < 300 and version then
    entry.version = version
    entry.state = entry.target
  end
  entry.busy = false
end
