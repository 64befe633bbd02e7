/*
** lpg.c: libpq, non-blocking, as mechanism for lakebase.pg. Nothing here waits: the Lua side asks
** libpq what it needs (connect_poll says "read" or "write", is_busy says a result is not complete),
** waits on conn:socket() with core.watch, and calls again. Results come back as Lua tables with
** values converted by column type: booleans, integers (int2/4/8, oid), numbers (float4/8), a
** null value the caller provides, and strings for everything else (numeric keeps its precision).
*/
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include "lua.h"
#include "lauxlib.h"
#include "lcore.h"
#include "lpg.h"
#include "dynlib.h"

#define PG_MT "lakebase.PgConn"

/* Type OIDs from PostgreSQL's pg_type.h (stable across versions). */
enum { BOOLOID = 16, INT8OID = 20, INT2OID = 21, INT4OID = 23, OIDOID = 26, FLOAT4OID = 700, FLOAT8OID = 701 };

typedef struct pg_conn {
  PGconn *conn;
} pg_conn;

/* The libpq functions used, loaded on the first connection (see dynlib.h): pq.clear is PQclear. */
#define PQ_FUNCTIONS(X) \
  X(clear) X(cmdStatus) X(cmdTuples) X(connectPoll) X(connectStartParams) X(consumeInput) \
  X(errorMessage) X(finish) X(flush) X(fname) X(ftype) X(getResult) X(getisnull) X(getlength) \
  X(getvalue) X(isBusy) X(nfields) X(ntuples) X(resStatus) X(resultErrorField) X(resultStatus) \
  X(sendQuery) X(sendQueryParams) X(setnonblocking) X(socket) X(status)

static struct {
#define PQ_FIELD(name) __typeof__(PQ##name) *name;
  PQ_FUNCTIONS(PQ_FIELD)
#undef PQ_FIELD
} pq;

static int load_libpq(const char **err) {
  static void *libpq;
  static const lb_dl_symbol symbols[] = {
#define PQ_SYMBOL(name) {"PQ" #name, (void **)&pq.name},
    PQ_FUNCTIONS(PQ_SYMBOL)
#undef PQ_SYMBOL
    {NULL, NULL}
  };
  return lb_dl_load(LB_LIBPQ_SONAME, symbols, &libpq, err);
}

static lb_loop *get_loop(lua_State *L) { return (lb_loop *)lua_touserdata(L, lua_upvalueindex(1)); }

static pg_conn *check_conn(lua_State *L) {
  pg_conn *c = luaL_checkudata(L, 1, PG_MT);
  if (c->conn == NULL) luaL_error(L, "attempt to use a closed database connection");
  return c;
}

/*
** core.pg_connect{keyword = value, ...} -> conn. Starts a non-blocking connection attempt; the
** keywords are libpq's (host, port, user, password, dbname, sslmode, ...), never parsed as a
** connection string, so no value can smuggle in another option.
*/
static int c_pg_connect(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const char *err;
  if (load_libpq(&err) != 0) return luaL_error(L, "pg_connect: %s", err);
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
      return luaL_error(L, "pg_connect: keywords and values must be strings");
    n++;
    lua_pop(L, 1);
  }
  pg_conn *c = lua_newuserdatauv(L, sizeof *c, 0);
  c->conn = NULL;
  luaL_setmetatable(L, PG_MT);
  const char **keys = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *keys, 0);
  const char **values = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *values, 0);
  int i = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    keys[i] = lua_tostring(L, -2);   /* the strings stay referenced from the argument table */
    values[i] = lua_tostring(L, -1);
    i++;
    lua_pop(L, 1);
  }
  keys[i] = values[i] = NULL;
  c->conn = pq.connectStartParams(keys, values, 0);
  lua_pop(L, 2);
  if (c->conn == NULL) return luaL_error(L, "pg_connect: out of memory");
  return 1;
}

/* conn:connect_poll() -> "read" | "write" | "ok" | "failed" */
static int p_connect_poll(lua_State *L) {
  pg_conn *c = check_conn(L);
  if (pq.status(c->conn) == CONNECTION_BAD) {
    lua_pushliteral(L, "failed");
    return 1;
  }
  switch (pq.connectPoll(c->conn)) {
    case PGRES_POLLING_READING: lua_pushliteral(L, "read"); break;
    case PGRES_POLLING_WRITING: lua_pushliteral(L, "write"); break;
    case PGRES_POLLING_OK:
      if (pq.setnonblocking(c->conn, 1) != 0) lua_pushliteral(L, "failed");
      else lua_pushliteral(L, "ok");
      break;
    default: lua_pushliteral(L, "failed"); break;
  }
  return 1;
}

static int p_socket(lua_State *L) {
  lua_pushinteger(L, pq.socket(check_conn(L)->conn));
  return 1;
}

static int p_error_message(lua_State *L) {
  const char *m = pq.errorMessage(check_conn(L)->conn);
  size_t len = strlen(m);
  while (len > 0 && (m[len - 1] == '\n' || m[len - 1] == ' ')) len--;
  lua_pushlstring(L, m, len);
  return 1;
}

/*
** conn:send(sql [, params]) -> true, or false. With a params table (an array with field n; nil
** entries are SQL NULL), the extended protocol sends sql and the values separately ($1, $2...);
** without, the simple protocol allows several statements.
*/
static int p_send(lua_State *L) {
  pg_conn *c = check_conn(L);
  const char *sql = luaL_checkstring(L, 2);
  int ok;
  if (lua_isnoneornil(L, 3)) {
    ok = pq.sendQuery(c->conn, sql);
  } else {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_getfield(L, 3, "n");
    lua_Integer n = luaL_checkinteger(L, -1);
    lua_pop(L, 1);
    if (n < 0 || n > 65535) return luaL_error(L, "too many query parameters (%d)", (int)n);
    const char **vals = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *vals, 0);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_geti(L, 3, i);
      vals[i - 1] = lua_isnil(L, -1) ? NULL : lua_tostring(L, -1);  /* kept alive by the table */
      lua_pop(L, 1);
    }
    ok = pq.sendQueryParams(c->conn, sql, (int)n, NULL, vals, NULL, NULL, 0);
    lua_pop(L, 1);
  }
  lua_pushboolean(L, ok);
  return 1;
}

/* conn:flush() -> 0 all sent, 1 more to send (wait for write), -1 failed */
static int p_flush(lua_State *L) {
  lua_pushinteger(L, pq.flush(check_conn(L)->conn));
  return 1;
}

/* conn:consume() -> true, or false when the connection failed */
static int p_consume(lua_State *L) {
  lua_pushboolean(L, pq.consumeInput(check_conn(L)->conn));
  return 1;
}

static int p_is_busy(lua_State *L) {
  lua_pushboolean(L, pq.isBusy(check_conn(L)->conn));
  return 1;
}

static void push_value(lua_State *L, const PGresult *r, int row, int col, int null_idx) {
  if (pq.getisnull(r, row, col)) {
    lua_pushvalue(L, null_idx);
    return;
  }
  const char *v = pq.getvalue(r, row, col);
  switch (pq.ftype(r, col)) {
    case BOOLOID: lua_pushboolean(L, v[0] == 't'); return;
    case INT2OID: case INT4OID: case INT8OID: case OIDOID: {
      char *end;
      long long x = strtoll(v, &end, 10);
      if (*end == '\0') lua_pushinteger(L, (lua_Integer)x);
      else lua_pushstring(L, v);
      return;
    }
    case FLOAT4OID: case FLOAT8OID: {
      char *end;
      double x = strtod(v, &end);  /* also NaN and Infinity */
      if (*end == '\0') lua_pushnumber(L, x);
      else lua_pushstring(L, v);
      return;
    }
    default: lua_pushlstring(L, v, (size_t)pq.getlength(r, row, col));
  }
}

static void set_error_field(lua_State *L, const PGresult *r, int code, const char *name) {
  const char *v = pq.resultErrorField(r, code);
  if (v) {
    lua_pushstring(L, v);
    lua_setfield(L, -2, name);
  }
}

/*
** conn:get_result(null [, positional]) -> nil when the query is complete, else {status=, command=,
** affected=, fields={...}, types={type OIDs}, rows={{col=value}...},
** error={sqlstate=, message=, detail=, hint=, severity=}}; with positional, rows={{value...}}
** (columns by position, so that duplicate column names are kept).
*/
static int p_get_result(lua_State *L) {
  pg_conn *c = check_conn(L);
  luaL_checkany(L, 2);
  int positional = lua_toboolean(L, 3);
  PGresult *r = pq.getResult(c->conn);
  if (r == NULL) return 0;
  lua_createtable(L, 0, 6);
  ExecStatusType st = pq.resultStatus(r);
  lua_pushstring(L, pq.resStatus(st) + 6);  /* without "PGRES_" */
  lua_setfield(L, -2, "status");
  lua_pushstring(L, pq.cmdStatus(r));
  lua_setfield(L, -2, "command");
  const char *affected = pq.cmdTuples(r);
  if (affected[0]) {
    lua_pushinteger(L, strtoll(affected, NULL, 10));
    lua_setfield(L, -2, "affected");
  }
  if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE) {
    lua_createtable(L, 0, 5);
    set_error_field(L, r, PG_DIAG_SQLSTATE, "sqlstate");
    set_error_field(L, r, PG_DIAG_MESSAGE_PRIMARY, "message");
    set_error_field(L, r, PG_DIAG_MESSAGE_DETAIL, "detail");
    set_error_field(L, r, PG_DIAG_MESSAGE_HINT, "hint");
    set_error_field(L, r, PG_DIAG_SEVERITY_NONLOCALIZED, "severity");
    lua_setfield(L, -2, "error");
  }
  int nf = pq.nfields(r), nt = pq.ntuples(r);
  lua_createtable(L, nf, 0);
  for (int f = 0; f < nf; f++) {
    lua_pushstring(L, pq.fname(r, f));
    lua_rawseti(L, -2, f + 1);
  }
  lua_setfield(L, -2, "fields");
  lua_createtable(L, nf, 0);
  for (int f = 0; f < nf; f++) {
    lua_pushinteger(L, (lua_Integer)pq.ftype(r, f));
    lua_rawseti(L, -2, f + 1);
  }
  lua_setfield(L, -2, "types");
  lua_createtable(L, nt, 0);
  for (int t = 0; t < nt; t++) {
    lua_createtable(L, positional ? nf : 0, positional ? 0 : nf);
    for (int f = 0; f < nf; f++) {
      push_value(L, r, t, f, 2);
      if (positional) lua_rawseti(L, -2, f + 1);
      else lua_setfield(L, -2, pq.fname(r, f));
    }
    lua_rawseti(L, -2, t + 1);
  }
  lua_setfield(L, -2, "rows");
  pq.clear(r);
  return 1;
}

static int p_status(lua_State *L) {
  pg_conn *c = luaL_checkudata(L, 1, PG_MT);
  lua_pushstring(L, c->conn == NULL ? "closed" : pq.status(c->conn) == CONNECTION_OK ? "ok" : "bad");
  return 1;
}

/* close and __gc: a task waiting on the socket is woken first (see lb_loop_fd_closing). */
static int p_close(lua_State *L) {
  pg_conn *c = luaL_checkudata(L, 1, PG_MT);
  if (c->conn) {
    int fd = pq.socket(c->conn);
    if (fd >= 0) lb_loop_fd_closing(get_loop(L), fd);
    pq.finish(c->conn);
    c->conn = NULL;
  }
  return 0;
}

static const luaL_Reg conn_methods[] = {
  {"connect_poll", p_connect_poll}, {"socket", p_socket}, {"error_message", p_error_message},
  {"send", p_send}, {"flush", p_flush}, {"consume", p_consume}, {"is_busy", p_is_busy},
  {"get_result", p_get_result}, {"status", p_status}, {"close", p_close}, {NULL, NULL}
};

void lb_pg_register(lua_State *L, lb_loop *loop) {
  static const luaL_Reg meta[] = {{"__gc", p_close}, {NULL, NULL}};
  static const luaL_Reg funcs[] = {{"pg_connect", c_pg_connect}, {NULL, NULL}};
  lb_core_class(L, loop, PG_MT, meta, conn_methods, funcs);
}
