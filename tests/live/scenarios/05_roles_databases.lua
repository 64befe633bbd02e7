-- Roles and databases on a branch: create (with and without an ID), update a role's attributes,
-- rename a database, and the duplicates the service refuses. Checked in PostgreSQL too.
return {
  description = "roles and databases: create, update, rename, duplicates refused",
  creates = { "branch $roles (ttl 1h)", "role $app (Postgres role lbt05_app)", "database $db (lbt05_db, renamed lbt05_db2)",
    "database with a generated ID (lbt05_gen)", "branch $roles-kid (ttl 1h, from $roles)" },
  run = function(t)
    local b = t:create_branch("roles", { ttl = "3600s" })
    local ep = b:primary_endpoint { timeout = 600 }

    local role = b:create_role(t:id("app"), { postgres_role = "lbt05_app" }):wait()
    t:eq(role.status.postgres_role, "lbt05_app", "the role's status.postgres_role")
    t:eq(role.status.role_id, t:id("app"), "status.role_id")
    t:eq(role.status.auth_method, "PG_PASSWORD_SCRAM_SHA_256", "auth_method of a role with no identity")
    t:note("identity_type of a plain role", role.status.identity_type)
    t:expect_error("a role with the same ID again", { status = 400, error_code = "BAD_REQUEST", message = "already exists" },
      function() b:create_role(t:id("app"), { postgres_role = "lbt05_app" }):wait() end)
    t:expect_error("another role ID for the same Postgres role", { status = 400, message = "already exists" },
      function() b:create_role(t:id("app2"), { postgres_role = "lbt05_app" }):wait() end)
    role = role:update { attributes = { createdb = true } }:wait()
    t:eq(role.status.attributes and role.status.attributes.createdb, true, "attributes.createdb after the update")

    local db = b:create_database(t:id("db"), { postgres_database = "lbt05_db", role = role.name }):wait()
    t:eq(db.status.postgres_database, "lbt05_db", "the database's status.postgres_database")
    t:eq(db.status.role, role.name, "the database's owner role")
    t:expect_error("a database with the same Postgres name", { status = 400, error_code = "BAD_REQUEST", message = "already exists" },
      function() b:create_database(t:id("dup"), { postgres_database = "lbt05_db", role = role.name }):wait() end)
    db = db:update { postgres_database = "lbt05_db2" }:wait()
    t:eq(db.status.postgres_database, "lbt05_db2", "postgres_database after the rename")

    local gen = b:create_database(nil, { postgres_database = "lbt05_gen", role = role.name }):wait()
    t:track("database", gen.name)
    t:check(type(gen.status.database_id) == "string" and gen.name:sub(-#gen.status.database_id) == gen.status.database_id,
      "a database created without an ID gets one")

    local conn <close> = ep:connect()
    local r = conn:query_one("SELECT rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = 'lbt05_app'")
    t:check(r ~= nil, "the role exists in PostgreSQL")
    t:eq(r.rolcreatedb, true, "rolcreatedb in PostgreSQL")
    local names = {}
    for _, row in ipairs(conn:query("SELECT datname FROM pg_database WHERE datname LIKE 'lbt05%' ORDER BY 1")) do
      names[#names + 1] = row.datname
    end
    t:eq(table.concat(names, ","), "lbt05_db2,lbt05_gen", "lbt05 databases in PostgreSQL")
    local owner = conn:query_one("SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = 'lbt05_db2'").o
    t:eq(owner, "lbt05_app", "owner of the renamed database")

    -- A branch made from this one inherits its roles and databases.
    local child = t:create_branch("roles-kid", { source_branch = b.name, ttl = "3600s" })
    local kid_roles, kid_dbs = {}, {}
    for r in child:roles() do kid_roles[#kid_roles + 1] = r.status.postgres_role end
    for d in child:databases() do kid_dbs[#kid_dbs + 1] = d.status.postgres_database end
    table.sort(kid_dbs)
    t:check(table.concat(kid_roles, ","):find("lbt05_app", 1, true), "the child branch lists the inherited role")
    t:check(table.concat(kid_dbs, ","):find("lbt05_db2,lbt05_gen", 1, true), "the child branch lists the inherited databases")
    child:delete():wait()

    gen:delete():wait()
    db:delete():wait()
    role:delete():wait()
    local ids = {}
    for d in b:databases() do ids[#ids + 1] = d:id() end
    t:check(not table.concat(ids, ","):find("lbt05", 1, true), "the databases are gone from the listing")
  end,
}
