-- wrk script: POST /api/v1/verify with the bodies prepared by
-- `citesload -prepare FILE`, one a line, in turn. The requests are built
-- once, in init, and responses are not handed to Lua: wrk's own cost per
-- request stays small, so that it measures the server rather than itself.
-- wrk reports any answer other than 2xx as "Non-2xx or 3xx responses".
local requests = {}
local i = 0

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
end

function request()
  i = i % #requests + 1
  return requests[i]
end
