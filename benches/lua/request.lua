-- wrk script for one read scenario: GET a path in which `{id}` is replaced, per request, by a
-- random line of an id file, optionally with a bearer token.
--
--   wrk ... -s benches/lua/request.lua <url> -- <path-template> [<id-file> [<token-file>]]
--
-- The id file holds one id per line (written by run.sh from the bench database); `-` for none.

local template, ids, token
local next_index = 0

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
  template = args[1]
  if args[2] and args[2] ~= "-" then ids = read_lines(args[2]) end
  if args[3] and args[3] ~= "-" then token = read_lines(args[3])[1] end
  -- Different threads start at different places; the order within a thread is random.
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 1000)
end

function request()
  local path = template
  if ids then
    next_index = math.random(#ids)
    path = template:gsub("{id}", ids[next_index])
  end
  local headers = { ["Accept"] = "application/json" }
  if token then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", path, headers)
end
