-- wrk script: POST /api/v1/permits with the body in FILE and the issuer's
-- session token in FILE.token (written by `citesload -prepare-issue FILE`).
local body, token

function init(args)
  local f = io.open(args[1]); body = f:read("*a"); f:close()
  f = io.open(args[1] .. ".token"); token = f:read("*a"); f:close()
end

function request()
  return wrk.format("POST", "/api/v1/permits",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function response(status, headers, b)
  if status ~= 201 then io.stderr:write("status " .. status .. "\n") end
end
