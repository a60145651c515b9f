-- wrk script: POST /api/v1/permits with the body in FILE and the issuer's
-- session token in FILE.token (written by `citesload -prepare-issue FILE`).
-- One request, built once; wrk reports any answer other than 2xx as
-- "Non-2xx or 3xx responses".
local req

function init(args)
  local f = io.open(args[1]); local body = f:read("*a"); f:close()
  f = io.open(args[1] .. ".token"); local token = f:read("*a"); f:close()
  req = wrk.format("POST", "/api/v1/permits",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function request()
  return req
end
