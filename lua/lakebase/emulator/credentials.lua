--- Database credentials as the service has them: every minted token is independent and valid
-- until its own expire_time, however many more are minted, for the identity that minted it and
-- the endpoints of the branch it was minted for (read replicas included). Nothing is set in
-- PostgreSQL: the endpoint's relay checks the token when a connection arrives.
--
-- Kept in store.tokens (so state.json, mode 0600), keyed by the token's SHA-256, so the state file
-- never holds a usable token: sha256(token) -> {identity=, branch=, expires=}.
local core = require "lakebase.core"
local redact = require "lakebase.base.redact"

local M = {}

--- Drops expired tokens (and entries of an older state format).
function M.prune(E)
  local now = E.clock()
  for k, t in pairs(E.store.tokens) do
    if type(t) ~= "table" or type(t.expires) ~= "number" or t.expires <= now or not t.identity or not t.branch then
      E.store.tokens[k] = nil
    end
  end
end

--- Mints a new token for `identity` on the branch of endpoint `ep`, valid for `ttl` seconds
-- (default: the emulator's credential_ttl, else 3600). Returns {token=, expires=} once stored.
function M.mint(E, ep, identity, ttl)
  ttl = ttl or E.opts.credential_ttl or 3600
  local token = "lbpg_" .. require("lakebase.emulator").random_hex(24)
  redact.register(token)
  local expires = E.clock() + ttl
  M.prune(E)
  E.store.tokens[core.sha256(token)] = { identity = identity, branch = ep.parent, expires = expires }
  E.store:save()
  return { token = token, expires = expires }
end

--- True when `token` was minted by `user` for `branch` and has not expired.
function M.check(E, token, user, branch)
  if type(token) ~= "string" then return false end
  local t = E.store.tokens[core.sha256(token)]
  return t ~= nil and t.identity == user and t.branch == branch and t.expires > E.clock()
end

return M
