--- `endpoint:connection_uri{database=, pooled=, user=}`: a `postgresql://` URI for tools that
-- take one (most ORMs, test frameworks, DATABASE_URL), with the client's current credential as the
-- password. The password is an OAuth token: it expires (an hour after it was minted, unless the
-- credential was asked for with a shorter ttl), and the URI with it.
local M = {}

--- Percent-encodes everything but RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~).
function M.encode(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function is_ip(host)
  return host:match("^%d+%.%d+%.%d+%.%d+$") ~= nil or host:find(":", 1, true) ~= nil
end

--- The pooled (PgBouncer) host of an endpoint: what the service advertises
-- (`status.hosts.read_write_pooled_host`, or `read_only_pooled_host` for a read replica), else
-- the documented `-pooler` form of its host (`ep-x.region.domain` -> `ep-x-pooler.region.domain`);
-- an IP address or a one-label name (a local server) has no such form and is its own.
function M.pooled_host(hosts, endpoint_type)
  local pooled = endpoint_type == "ENDPOINT_TYPE_READ_ONLY" and hosts.read_only_pooled_host or hosts.read_write_pooled_host
  if type(pooled) == "string" and pooled ~= "" then return pooled end
  local host = hosts.host
  if is_ip(host) or not host:find(".", 1, true) then return host end
  local first, rest = host:match("^([^.]+)(%..*)$")
  if first:sub(-7) == "-pooler" then return host end
  return first .. "-pooler" .. rest
end

--- The URI for host, port, user, password, database (all strings): credentials and database
-- percent-encoded, an IPv6 host in brackets, sslmode=require.
function M.build(t)
  local host = t.host:find(":", 1, true) and ("[" .. t.host .. "]") or t.host
  return string.format("postgresql://%s:%s@%s:%s/%s?sslmode=%s", M.encode(t.user), M.encode(t.password), host,
    t.port, M.encode(t.database), M.encode(t.sslmode or "require"))
end

function M.install(Endpoint)
  --- opts: database (default databricks_postgres), pooled (the PgBouncer host), user (default
  -- the caller's Postgres role). Returns the URI and the host it names.
  function Endpoint:connection_uri(opts)
    if opts ~= nil and type(opts) ~= "table" then
      error("bad argument #1 to 'connection_uri' (table of options expected, got " .. type(opts) .. ")", 2)
    end
    opts = opts or {}
    if opts.pooled ~= nil and type(opts.pooled) ~= "boolean" then
      error("bad argument #1 to 'connection_uri' (option 'pooled' must be a boolean, got " .. type(opts.pooled) .. ")", 2)
    end
    local env = self:pg_env { database = opts.database, user = opts.user }  -- the cached credential
    local host = env.PGHOST
    if opts.pooled then host = M.pooled_host(self.status.hosts, self.status.endpoint_type) end
    return M.build { host = host, port = env.PGPORT, user = env.PGUSER, password = env.PGPASSWORD,
      database = env.PGDATABASE, sslmode = env.PGSSLMODE }, host
  end
end

return M
