--- What the emulator does inside a branch's PostgreSQL: the service's built-in roles, the project
-- owner's role, role and database records made real. SQL goes over libpq on the server's private
-- Unix socket as the bootstrap superuser (never through a command line); identifiers are quoted by
-- pgsql.lua, values travel as parameters. Every function can be re-run (operations are re-run
-- after a restart).
local pg = require "lakebase.runtime.pg"
local q = require "lakebase.emulator.pgsql"

local M = {}

M.SUPERUSER_ROLE = "databricks_superuser"
M.DEFAULT_DB = "databricks_postgres"

--- A connection to database `db` (default databricks_postgres) of the server at sockdir/port.
function M.connect(sockdir, port, db)
  -- No notices ("... does not exist, skipping"): libpq would print them on the emulator's stderr.
  return pg.connect { host = sockdir, port = tostring(port), user = "postgres", dbname = db or M.DEFAULT_DB,
    sslmode = "disable", application_name = "lakebase-emulator", options = "-c client_min_messages=warning" }
end

local function exists(conn, catalog_sql, name)
  return conn:query_one(catalog_sql, name) ~= nil
end

local function role_exists(conn, name)
  return exists(conn, "SELECT 1 AS x FROM pg_roles WHERE rolname = $1", name)
end

local function database_exists(conn, name)
  return exists(conn, "SELECT 1 AS x FROM pg_database WHERE datname = $1", name)
end

--- Creates role `name` unless it exists (any name: no SQL is built around it but a quoted
-- identifier), then sets its attributes (a string of ALTER ROLE options).
function M.ensure_role(conn, name, attrs)
  local ok, err = pcall(conn.exec, conn, "CREATE ROLE " .. q.ident(name))
  if not ok and not (type(err) == "table" and err.sqlstate == "42710") then error(err, 0) end  -- duplicate_object
  if attrs and attrs ~= "" then conn:exec("ALTER ROLE " .. q.ident(name) .. " " .. attrs) end
end

local function set_membership(conn, role, member)
  if member then
    conn:exec("GRANT " .. q.ident(M.SUPERUSER_ROLE) .. " TO " .. q.ident(role))
  elseif conn:query_one("SELECT 1 AS x FROM pg_auth_members WHERE roleid = $1::regrole AND member = $2::regrole",
      q.ident(M.SUPERUSER_ROLE), q.ident(role)) then
    -- Only when a member: REVOKE of a non-member is a WARNING, which libpq would print.
    conn:exec("REVOKE " .. q.ident(M.SUPERUSER_ROLE) .. " FROM " .. q.ident(role))
  end
end

--- A new branch's built-in roles and database, as on the service: databricks_superuser (CREATEDB,
-- CREATEROLE, BYPASSRLS, member of pg_read_all_data, pg_write_all_data and pg_monitor, so that
-- its members read each other's tables and pg_dump works; may create in databricks_postgres's
-- public schema; no login), databricks_postgres, and the
-- project owner `owner` (LOGIN REPLICATION, member of databricks_superuser, owning
-- databricks_postgres and its public schema). `connect(db)` opens a connection to database db.
function M.setup_branch(connect, owner)
  do
    local conn <close> = connect("postgres")
    if not database_exists(conn, M.DEFAULT_DB) then conn:exec("CREATE DATABASE " .. q.ident(M.DEFAULT_DB)) end
    M.ensure_role(conn, M.SUPERUSER_ROLE, "NOLOGIN CREATEDB CREATEROLE BYPASSRLS")
    conn:exec("GRANT pg_read_all_data, pg_write_all_data, pg_monitor TO " .. q.ident(M.SUPERUSER_ROLE))
    local db_owner = owner or M.SUPERUSER_ROLE
    if owner then
      M.ensure_role(conn, owner, "LOGIN REPLICATION")
      set_membership(conn, owner, true)
    end
    conn:exec("ALTER DATABASE " .. q.ident(M.DEFAULT_DB) .. " OWNER TO " .. q.ident(db_owner))
  end
  local conn <close> = connect(M.DEFAULT_DB)
  -- Members create in public as its owner does (PostgreSQL 15 grants PUBLIC no CREATE there).
  conn:exec("ALTER SCHEMA public OWNER TO " .. q.ident(owner or M.SUPERUSER_ROLE) ..
    "; GRANT USAGE, CREATE ON SCHEMA public TO " .. q.ident(M.SUPERUSER_ROLE))
end

--- The ALTER ROLE options for a role record's spec: NO_LOGIN roles cannot log in, the others can
-- (identity roles with that identity's tokens); attributes as given (false when absent).
function M.role_options(spec)
  local attrs = spec.attributes or {}
  return table.concat({ spec.auth_method == "NO_LOGIN" and "NOLOGIN" or "LOGIN", attrs.createdb and "CREATEDB" or "NOCREATEDB",
    attrs.createrole and "CREATEROLE" or "NOCREATEROLE", attrs.bypassrls and "BYPASSRLS" or "NOBYPASSRLS" }, " ")
end

--- Makes role record spec `spec` real: the role, its attributes, its databricks_superuser membership.
function M.apply_role(conn, spec)
  M.ensure_role(conn, spec.postgres_role, M.role_options(spec))
  local member = false
  for _, m in ipairs(spec.membership_roles or {}) do
    if m == "DATABRICKS_SUPERUSER" then member = true end
  end
  set_membership(conn, spec.postgres_role, member)
end

--- Drops role `name`. With `reassign_to` (another role), what it owns in every database goes to
-- that role first and its remaining privileges are dropped (REASSIGN OWNED, DROP OWNED);
-- without, a role that owns objects is not dropped (PostgreSQL's error says which).
function M.drop_role(connect, name, reassign_to)
  local dbs
  do
    local conn <close> = connect("postgres")
    if not role_exists(conn, name) then return end
    if reassign_to then
      if not role_exists(conn, reassign_to) then error("role " .. reassign_to .. " to reassign to does not exist", 0) end
      dbs = conn:query("SELECT datname FROM pg_database WHERE datallowconn ORDER BY datname")
    end
  end
  for _, row in ipairs(dbs or {}) do
    local conn <close> = connect(row.datname)
    conn:exec("REASSIGN OWNED BY " .. q.ident(name) .. " TO " .. q.ident(reassign_to) .. "; DROP OWNED BY " .. q.ident(name))
  end
  local conn <close> = connect("postgres")
  conn:exec("DROP ROLE IF EXISTS " .. q.ident(name))
end

--- Makes database `name` exist, owned by role `owner` (nil: unchanged). When `previous_name`
-- names an existing database and `name` does not exist yet, that database is renamed (its
-- sessions are ended first: PostgreSQL renames no database in use).
function M.apply_database(conn, name, owner, previous_name)
  if not database_exists(conn, name) then
    if previous_name and previous_name ~= name and database_exists(conn, previous_name) then
      conn:query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        previous_name)
      conn:exec("ALTER DATABASE " .. q.ident(previous_name) .. " RENAME TO " .. q.ident(name))
    else
      conn:exec("CREATE DATABASE " .. q.ident(name))
    end
  end
  if owner then conn:exec("ALTER DATABASE " .. q.ident(name) .. " OWNER TO " .. q.ident(owner)) end
end

function M.drop_database(conn, name)
  conn:exec("DROP DATABASE IF EXISTS " .. q.ident(name) .. " WITH (FORCE)")
end

return M
