/*
** lcore.c: the private C core, `lakebase.core`. Thin bindings over the loop: start a timer, an
** HTTP request or a descriptor watch and get a handle back at once; `poll` waits and returns the
** handles that finished. Nothing here yields or resumes: the Lua scheduler does that.
*/
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "lua.h"
#include "lauxlib.h"
#include "lcore.h"
#include "loop.h"
#include "http.h"
#include "lprocess.h"
#include "lsocket.h"
#include "lfile.h"
#include "lpg.h"
#include "ltls.h"
#include "lrepl.h"
#include "linterrupt.h"
#include "sha256.h"

#define HANDLE_MT "lakebase.Handle"

static lb_loop *get_loop(lua_State *L) {
  return (lb_loop *)lua_touserdata(L, lua_upvalueindex(1));
}

static lb_handle *check_handle(lua_State *L, int i) {
  return (lb_handle *)luaL_checkudata(L, i, HANDLE_MT);
}

/* Creates a fresh idle handle. [-0, +1] */
lb_handle *lb_core_new_handle(lua_State *L) {
  lb_handle *h = lua_newuserdatauv(L, sizeof *h, 0);
  memset(h, 0, sizeof *h);
  h->ref = LUA_NOREF;
  h->fd = -1;
  h->wstatus = -1;
  luaL_setmetatable(L, HANDLE_MT);
  return h;
}

/* Anchors the handle at the top of the stack while the loop holds a pointer to it. [-0, +0] */
void lb_core_anchor(lua_State *L, lb_handle *h) {
  lua_pushvalue(L, -1);
  h->ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

void lb_core_unanchor(lua_State *L, lb_handle *h) {
  luaL_unref(L, LUA_REGISTRYINDEX, h->ref);
  h->ref = LUA_NOREF;
}

void lb_core_class(lua_State *L, lb_loop *loop, const char *name, const luaL_Reg *meta,
                   const luaL_Reg *methods, const luaL_Reg *funcs) {
  luaL_newmetatable(L, name);
  lua_pushlightuserdata(L, loop);
  luaL_setfuncs(L, meta, 1);
  lua_newtable(L);
  lua_pushlightuserdata(L, loop);
  luaL_setfuncs(L, methods, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  if (funcs == NULL) return;
  lua_pushlightuserdata(L, loop);
  luaL_setfuncs(L, funcs, 1);
}

/* core.now() -> seconds on the monotonic clock */
static int c_now(lua_State *L) {
  lua_pushnumber(L, lb_now());
  return 1;
}

/* core.timer(seconds) -> handle */
static int c_timer(lua_State *L) {
  double s = luaL_checknumber(L, 1);
  lb_handle *h = lb_core_new_handle(L);
  if (lb_loop_timer_start(get_loop(L), h, s) != 0) return luaL_error(L, "timer: %s", strerror(errno));
  lb_core_anchor(L, h);
  return 1;
}

static int parse_events(lua_State *L, int i) {
  const char *m = luaL_optstring(L, i, "r");
  int ev = 0;
  for (; *m; m++) {
    if (*m == 'r') ev |= LB_EV_READ;
    else if (*m == 'w') ev |= LB_EV_WRITE;
    else return luaL_argerror(L, i, "mode must be made of 'r' and 'w'");
  }
  if (ev == 0) return luaL_argerror(L, i, "mode must not be empty");
  return ev;
}

/* core.watch(fd_or_socket, "r"|"w"|"rw") -> handle that finishes when the descriptor is ready */
static int c_watch(lua_State *L) {
  int fd = lb_socket_fd_arg(L, 1);
  int ev = parse_events(L, 2);
  lb_handle *h = lb_core_new_handle(L);
  if (lb_loop_fd_start(get_loop(L), h, fd, ev) != 0)
    return luaL_error(L, "watch descriptor %d: %s", fd, errno == EBUSY ? "already being waited on" : strerror(errno));
  lb_core_anchor(L, h);
  return 1;
}

/*
** core.http{method=, url=, headers={name=value}, body=, timeout=, max_body=, ca_file=, ca_path=,
** slots=} -> handle. The Lua layer validates and logs; this only builds the transfer. max_body
** (bytes, default unlimited) caps the decoded response body; slots: transfers in flight at once,
** read at the first request (default LB_HTTP_LIMIT).
*/
static int c_http(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "method");
  const char *method = luaL_optstring(L, -1, "GET");
  lua_getfield(L, 1, "url");
  const char *url = lua_tostring(L, -1);
  if (url == NULL) return luaL_argerror(L, 1, "field 'url' must be a string");
  lua_getfield(L, 1, "body");
  size_t bodylen = 0;
  const char *body = lua_isnil(L, -1) ? NULL : luaL_checklstring(L, -1, &bodylen);
  lua_getfield(L, 1, "timeout");
  double timeout = luaL_optnumber(L, -1, 0);
  lua_getfield(L, 1, "max_body");
  double max_body = luaL_optnumber(L, -1, 0);
  lua_getfield(L, 1, "ca_file");
  const char *ca_file = luaL_optstring(L, -1, NULL);
  lua_getfield(L, 1, "ca_path");
  const char *ca_path = luaL_optstring(L, -1, NULL);
  lua_getfield(L, 1, "slots");
  lua_Integer slots = luaL_optinteger(L, -1, LB_HTTP_LIMIT);
  luaL_argcheck(L, slots >= 1 && slots <= 10000, 1, "field 'slots' must be from 1 to 10000");
  /* The strings stay on the stack until the request holds copies of them. */
  size_t cap = !(max_body > 0) || max_body >= (double)(SIZE_MAX - 1) ? SIZE_MAX - 1 : (size_t)max_body;
  const char *err = NULL;
  if (lb_loop_http_init(get_loop(L), (int)slots, &err) != 0) return luaL_error(L, "http: %s", err);
  long timeout_ms = timeout > 0 ? (long)(timeout * 1000.0 + 0.5) : 0;
  if (timeout > 0 && timeout_ms == 0) timeout_ms = 1;
  lb_http *req = lb_http_new(method, url, body, bodylen, timeout_ms, cap, &err);
  if (req == NULL) return luaL_error(L, "http: %s", err);
  /* Own the request through the handle before anything can raise, so it is freed by __gc. */
  lb_handle *h = lb_core_new_handle(L);
  h->kind = LB_HTTP;
  h->http = req;
  if (lb_http_set_ca(req, ca_file, ca_path) != 0) return luaL_error(L, "http: out of memory");
  lua_getfield(L, 1, "headers");
  if (lua_istable(L, -1)) {
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
        return luaL_error(L, "http: header names and values must be strings");
      lua_pushfstring(L, "%s: %s", lua_tostring(L, -2), lua_tostring(L, -1));
      if (lb_http_add_header(req, lua_tostring(L, -1)) != 0) return luaL_error(L, "http: out of memory");
      lua_pop(L, 2);
    }
  }
  lua_pop(L, 1);
  if (lb_loop_http_start(get_loop(L), h) != 0) return luaL_error(L, "http: could not start the transfer");
  lb_core_anchor(L, h);
  return 1;
}

/*
** core.poll(timeout) -> finished (array of handles), signal ("SIGINT"/"SIGTERM" or nil), idle.
** timeout nil waits until something finishes; idle is true when nothing could ever finish.
*/
static int c_poll(lua_State *L) {
  lb_loop *loop = get_loop(L);
  double timeout = luaL_optnumber(L, 1, -1);
  int idle = lb_loop_poll(loop, timeout);
  lua_newtable(L);
  lua_Integer n = 0;
  lb_handle *h;
  while ((h = lb_loop_next_ready(loop)) != NULL) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
    lua_rawseti(L, -2, ++n);
    lb_core_unanchor(L, h);
  }
  int sig = lb_loop_take_signal(loop);
  if (sig == 0) lua_pushnil(L);
  else lua_pushstring(L, sig == 2 ? "SIGINT" : sig == 15 ? "SIGTERM" : "signal");
  lua_pushboolean(L, idle);
  return 3;
}

/* core.pending() -> number of unfinished handles */
static int c_pending(lua_State *L) {
  lua_pushinteger(L, lb_loop_pending(get_loop(L)));
  return 1;
}

/* core.stats() -> {polls=, wakeups=, http_started=, http_done=} */
static int c_stats(lua_State *L) {
  const lb_loop_stats *s = lb_loop_stats_get(get_loop(L));
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, (lua_Integer)s->polls); lua_setfield(L, -2, "polls");
  lua_pushinteger(L, (lua_Integer)s->wakeups); lua_setfield(L, -2, "wakeups");
  lua_pushinteger(L, (lua_Integer)s->http_started); lua_setfield(L, -2, "http_started");
  lua_pushinteger(L, (lua_Integer)s->http_done); lua_setfield(L, -2, "http_done");
  return 1;
}

/* core.isatty(fd) -> boolean */
static int c_isatty(lua_State *L) {
  lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
  return 1;
}

/* core.sha256(data) -> 64 lowercase hex digits */
static int c_sha256(lua_State *L) {
  size_t len;
  const char *data = luaL_checklstring(L, 1, &len);
  char hex[65];
  lb_sha256_hex(data, len, hex);
  lua_pushlstring(L, hex, 64);
  return 1;
}

/* handle:cancel(): stops the work; a finished handle is left as it is. */
static int h_cancel(lua_State *L) {
  lb_handle *h = check_handle(L, 1);
  if (h->state == LB_PENDING || h->state == LB_READY) {
    lb_loop_cancel(get_loop(L), h);
    lb_core_unanchor(L, h);
  }
  return 0;
}

static const char *state_name(int s) {  /* indexed by enum lb_handle_state */
  static const char *const names[] = {"idle", "pending", "ready", "done", "cancelled"};
  return s >= LB_IDLE && s <= LB_CANCELLED ? names[s] : "idle";
}

static const char *kind_name(int k) {
  return k == LB_TIMER ? "timer" : k == LB_FDWATCH ? "watch" : k == LB_HTTP ? "http"
       : k == LB_PROCESS ? "process" : "handle";
}

/* handle:state() -> "pending" | "ready" | "done" | "cancelled" */
static int h_state(lua_State *L) {
  lua_pushstring(L, state_name(check_handle(L, 1)->state));
  return 1;
}

/*
** handle:result(): a timer gives true; a watch the readiness seen ("r", "w", "e", "h" letters);
** an HTTP request status, raw headers, body, seconds, or nil, message, curl code on failure;
** a process "exited", code | "signaled", signal (see lprocess.c).
*/
static int h_result(lua_State *L) {
  lb_handle *h = check_handle(L, 1);
  if (h->state != LB_DONE) return luaL_error(L, "%s handle is %s, not done", kind_name(h->kind), state_name(h->state));
  if (h->kind == LB_TIMER) {
    lua_pushboolean(L, 1);
    return 1;
  }
  if (h->kind == LB_FDWATCH) {
    char s[5];
    int n = 0;
    if (h->revents & LB_EV_READ) s[n++] = 'r';
    if (h->revents & LB_EV_WRITE) s[n++] = 'w';
    if (h->revents & LB_EV_ERROR) s[n++] = 'e';
    if (h->revents & LB_EV_HUP) s[n++] = 'h';
    lua_pushlstring(L, s, (size_t)n);
    return 1;
  }
  if (h->kind == LB_PROCESS) return lb_process_push_status(L, h->wstatus);
  lb_http_result r;
  lb_http_result_get(h->http, &r);
  if (!r.ok) {  /* nil, message, curl code, seconds, and which cap stopped it ("body", "headers") */
    lua_pushnil(L);
    lua_pushstring(L, r.error);
    lua_pushinteger(L, r.curlcode);
    lua_pushnumber(L, r.seconds);
    if (r.over == LB_HTTP_OVER_BODY) lua_pushliteral(L, "body");
    else if (r.over == LB_HTTP_OVER_HEADERS) lua_pushliteral(L, "headers");
    else lua_pushnil(L);
    return 5;
  }
  lua_pushinteger(L, r.status);
  lua_pushlstring(L, r.headers, r.headers_len);
  lua_pushlstring(L, r.body, r.body_len);
  lua_pushnumber(L, r.seconds);
  return 4;
}

/* __gc: withdraw from the loop (only reachable at lua_close while pending) and free. */
static int h_gc(lua_State *L) {
  lb_handle *h = check_handle(L, 1);
  if (h->state == LB_PENDING || h->state == LB_READY) lb_loop_cancel(get_loop(L), h);
  if (h->http) {
    lb_http_free(h->http);
    h->http = NULL;
  }
  return 0;
}

static int h_tostring(lua_State *L) {
  lb_handle *h = check_handle(L, 1);
  lua_pushfstring(L, "lakebase.Handle(%s, %s)", kind_name(h->kind), state_name(h->state));
  return 1;
}

static const luaL_Reg handle_methods[] = {
  {"cancel", h_cancel}, {"state", h_state}, {"result", h_result}, {NULL, NULL}
};

static const luaL_Reg core_funcs[] = {
  {"now", c_now}, {"timer", c_timer}, {"watch", c_watch}, {"http", c_http}, {"poll", c_poll},
  {"pending", c_pending}, {"stats", c_stats}, {"isatty", c_isatty}, {"sha256", c_sha256},
  {NULL, NULL}
};

int lb_open_core(lua_State *L) {
  lb_loop *loop = (lb_loop *)lua_touserdata(L, lua_upvalueindex(1));
  static const luaL_Reg meta[] = {{"__gc", h_gc}, {"__tostring", h_tostring}, {NULL, NULL}};
  lua_newtable(L);
  lb_core_class(L, loop, HANDLE_MT, meta, handle_methods, core_funcs);
  lb_socket_register(L, loop);  /* adds listen/connect to the table on top */
  lb_process_register(L, loop);  /* adds spawn and signal */
  lb_file_register(L);           /* adds write_private and file_mode */
  lb_pg_register(L, loop);       /* adds pg_connect */
  lb_tls_register(L);            /* adds tls_server */
  lb_repl_register(L);           /* adds repl_open, repl_prompt, repl_feed, ... */
  lb_interrupt_register(L);      /* adds running_enter and running_leave */
  lua_pushstring(L, LB_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
