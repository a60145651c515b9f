-- wrk script: POST /api/v1/verify with the bodies prepared by
-- `citesload -prepare FILE`, one a line, in turn.
local bodies = {}
local token = ""
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  local f = io.open(args[1] .. ".token")
  token = f:read("*a")
  f:close()
end

function request()
  i = i % #bodies + 1
  return wrk.format("POST", "/api/v1/verify",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, bodies[i])
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. "\n")
  end
end
