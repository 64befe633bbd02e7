--- Keeps secrets out of everything lakebase prints.
-- Secrets are registered as they are seen (an Authorization header, a token in a response) and
-- masked as `***` in any text passed through `redact.text`.
local M = {}

local secrets = {}   -- secret -> true
local ordered = {}   -- longest first, so that a secret containing another is masked whole

local SENSITIVE_QUERY = { token = true, access_token = true, refresh_token = true, client_secret = true,
  password = true, secret = true, code = true, signature = true, sig = true, key = true }
local SENSITIVE_HEADER = { authorization = true, cookie = true, ["set-cookie"] = true,
  ["proxy-authorization"] = true, ["x-databricks-azure-sp-management-token"] = true }

--- Registers a secret (strings shorter than 6 characters are ignored: masking them would garble text).
function M.register(secret)
  if type(secret) ~= "string" or #secret < 6 or secrets[secret] then return end
  secrets[secret] = true
  ordered[#ordered + 1] = secret
  table.sort(ordered, function(a, b) return #a > #b end)
end

local function plain(s) return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end

--- Returns `s` with every registered secret replaced by `***`, and the password of any URL with
-- userinfo (`https://user:password@host`) too: `https://user:***@host`.
function M.text(s)
  s = tostring(s)
  for _, secret in ipairs(ordered) do
    if s:find(secret, 1, true) then s = s:gsub(plain(secret), "***") end
  end
  if s:find("@", 1, true) and s:find("://", 1, true) then
    -- The password runs to the last "@" before the path, as in a URL parser.
    s = s:gsub("(%a[%w+.-]*://[^/?#@:%s]*):([^/?#%s]*)@", function(user, password)
      return password == "***" and nil or (user .. ":***@")
    end)
  end
  return s
end

--- Registers the password of a URL's userinfo (`https://user:password@host`) as a secret.
function M.register_url(url)
  if type(url) ~= "string" then return end
  local password = url:match("^%a[%w+.-]*://[^/?#@:]*:([^/?#]*)@")
  if password then M.register(password) end
end

--- Returns `url` with the values of sensitive query parameters replaced by `***` (and a userinfo
-- password, as M.text does).
function M.url(url)
  url = M.text(url)
  return (url:gsub("([?&])([^=&#]+)=([^&#]*)", function(sep, k, v)
    if SENSITIVE_QUERY[k:lower()] then v = "***" end
    return sep .. k .. "=" .. v
  end))
end

--- True for header names whose values are secrets.
function M.is_sensitive_header(name)
  return SENSITIVE_HEADER[name:lower()] == true
end

--- Registers the credential carried in a header value ("Bearer x" registers x).
function M.register_header(name, value)
  if not M.is_sensitive_header(name) then return end
  local cred = value:match("^%s*%a+%s+(.+)$") or value
  M.register(cred)
end

return M
