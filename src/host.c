/*
** host.c: process set-up and the one protected entry into Lua.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "host.h"
#include "lcore.h"
#include "loader.h"
#include "loop.h"

/* lua-cjson, linked statically (Debian's lua-cjson-dev; built by scripts/bootstrap on macOS). */
int luaopen_cjson(lua_State *L);

/* Message handler: adds a traceback to string errors; error objects pass through untouched. */
static int msghandler(lua_State *L) {
  if (lua_type(L, 1) != LUA_TSTRING && !luaL_callmeta(L, 1, "__tostring"))
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  luaL_traceback(L, L, lua_tostring(L, -1), 1);
  return 1;
}

/* The first error writing to stdout seen by print (errno), for check_stdout. */
static int stdout_errno;

/*
** print, as Lua's own, but remembering why a write failed: print flushes every line, and glibc
** drops the data of a failed flush, so by exit time only ferror() would be left, without errno.
*/
static int lb_print(lua_State *L) {
  int n = lua_gettop(L), ok = 1;
  for (int i = 1; i <= n; i++) {
    size_t len;
    const char *s = luaL_tolstring(L, i, &len);
    if (i > 1) ok = ok && fputc('\t', stdout) != EOF;
    ok = ok && fwrite(s, 1, len, stdout) == len;
    lua_pop(L, 1);
  }
  ok = ok && fputc('\n', stdout) != EOF && fflush(stdout) == 0;
  if (!ok && stdout_errno == 0) stdout_errno = errno != 0 ? errno : EIO;
  return 0;
}

/* io.write and file:write (upvalue 1: Lua's own), remembering the errno of a failed write when it
   left stdout in error: a large write goes straight to the descriptor, and its data is dropped. */
static int lb_write(lua_State *L) {
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  if (lua_isnil(L, 1) && lua_isinteger(L, 3) && ferror(stdout) && stdout_errno == 0)
    stdout_errno = (int)lua_tointeger(L, 3);
  return lua_gettop(L);
}

/* Replaces t.write (t on top of the stack) with lb_write around it. */
static void wrap_write(lua_State *L) {
  lua_getfield(L, -1, "write");
  lua_pushcclosure(L, lb_write, 1);
  lua_setfield(L, -2, "write");
}

/* Output functions that remember why writing to stdout failed, for check_stdout. */
static void install_output(lua_State *L) {
  lua_pushcfunction(L, lb_print);
  lua_setglobal(L, "print");
  lua_getglobal(L, "io");
  wrap_write(L);
  lua_pop(L, 1);
  luaL_getmetatable(L, LUA_FILEHANDLE);
  lua_getfield(L, -1, "__index");
  wrap_write(L);
  lua_pop(L, 2);
}

void lb_host_prepare(lua_State *L, lb_loop *loop) {
  luaL_openlibs(L);
  install_output(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushlightuserdata(L, loop);
  lua_pushcclosure(L, lb_open_core, 1);
  lua_setfield(L, -2, "lakebase.core");
  lua_pushcfunction(L, luaopen_cjson);
  lua_setfield(L, -2, "lakebase.core.cjson");
  lua_pop(L, 1);
  lb_loader_install(L);
}

/* Protected main: argv in a table, then require("lakebase.cli").main(argv). [-0, +1] */
static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  lb_loop *loop = (lb_loop *)lua_touserdata(L, 3);
  lb_host_prepare(L, loop);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "lakebase.cli");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "main");
  lua_createtable(L, argc, 0);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_call(L, 1, 1);
  return 1;
}

/*
** A standard descriptor closed by the caller (`lakebase ... >&-`) would be handed to the next
** file opened (the event loop's, a socket), and output meant for stdout would go there. Each
** closed one is held by /dev/null opened the wrong way round, so that using it fails with EBADF
** as it would have, and that failure is reported.
*/
static void hold_closed_std_descriptors(void) {
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    int held = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
    if (held >= 0 && held != fd) close(held);  /* cannot happen: open returns the lowest free */
  }
}

/*
** Output lost on the way to stdout (a full disk, a closed descriptor) must not end in success:
** reports it once and turns a zero exit status into 1. A reader that went away (EPIPE, as in
** `lakebase ... | head -1`) is not an error for a command whose output was cut short on purpose.
** The cause is the one print or a write saw first, else the final flush's.
*/
static int check_stdout(int code) {
  errno = 0;
  int flush_failed = fflush(stdout) != 0;
  int err = stdout_errno != 0 ? stdout_errno : flush_failed ? errno : 0;
  if (!flush_failed && !ferror(stdout)) return code;
  if (err == EPIPE) return code;
  fprintf(stderr, "lakebase: write error: %s\n", strerror(err != 0 ? err : EIO));
  return code != 0 ? code : 1;
}

int lb_host_main(int argc, char **argv) {
  const char *err = NULL;
  hold_closed_std_descriptors();
  lb_loop *loop = lb_loop_new(&err);
  if (loop == NULL) {
    fprintf(stderr, "lakebase: cannot start the event loop: %s\n", err);
    return 1;
  }
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    fprintf(stderr, "lakebase: cannot create the Lua state: out of memory\n");
    lb_loop_free(loop);
    return 1;
  }
  lua_pushcfunction(L, msghandler);
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  lua_pushlightuserdata(L, loop);
  int status = lua_pcall(L, 3, 1, 1);
  int code;
  if (status != LUA_OK) {
    fprintf(stderr, "lakebase: internal error: %s\n", lua_tostring(L, -1));
    code = 1;
  } else {
    code = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
  }
  lua_close(L);  /* finalises handles while the loop still exists */
  lb_loop_free(loop);
  return check_stdout(code);
}
