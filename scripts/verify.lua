-- wrk script: POST /api/v1/verify with the bodies prepared by
-- `citesload -prepare FILE` (or the cold fixture), one a line, in turn.
-- Each of wrk's threads starts at its own share of the file, so that a run
-- over many distinct codes does not send each one twice (once a thread):
-- a cold run stays cold. The requests are built once, in init, and
-- responses are not handed to Lua: wrk's own cost per request stays small,
-- so that it measures the server rather than itself. wrk reports any answer
-- other than 2xx as "Non-2xx or 3xx responses".
local requests = {}
local i = 0
local threads = 0

function setup(thread)
  thread:set("share", threads)
  threads = threads + 1
end

function init(args)
  local f = io.open(args[1] .. ".token")
  local token = f:read("*a")
  f:close()
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  for line in io.lines(args[1]) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("POST", "/api/v1/verify", headers, line)
    end
  end
  local parts = tonumber(args[2] or "1")
  i = math.floor((share or 0) * #requests / parts)
end

function request()
  i = i % #requests + 1
  return requests[i]
end
