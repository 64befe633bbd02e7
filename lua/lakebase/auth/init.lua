--- `lakebase.auth`: unified auth. resolve(opts) gives the resolved configuration (see
-- lakebase.auth.config); client(opts) a client authenticated the way it says.
local config = require "lakebase.auth.config"
local providers = require "lakebase.auth.providers"

local M = {}

--- Resolves `opts` (host, token, profile, auth_type, ... as explicit values; opts.sources names
-- where each came from) with the environment and ~/.databrickscfg. Raises a one-line message.
function M.resolve(opts)
  local ok, cfg = pcall(config.resolve, opts)
  if not ok then
    local msg = config.error_message(cfg)
    if msg then error(msg, 0) end
    error(cfg, 0)
  end
  return cfg
end

--- A client for the resolved configuration; `extra` adds client options (retry_timeout, ...).
function M.client(cfg, extra)
  local opts = { host = cfg.host, auth = providers.for_config(cfg), auth_type = cfg.auth_type,
    client_id = cfg.attrs.client_id and cfg.attrs.client_id.value }
  for k, v in pairs(extra or {}) do if opts[k] == nil then opts[k] = v end end
  return require("lakebase.api.client").new(opts)
end

M.describe = config.describe
return M
