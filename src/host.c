/*
** host.c: process set-up and the one protected entry into Lua.
*/
#include <stdio.h>
#include <stdlib.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "lua-cjson.h"
#include "host.h"
#include "lcore.h"
#include "loader.h"
#include "loop.h"

/* Message handler: adds a traceback to string errors; error objects pass through untouched. */
static int msghandler(lua_State *L) {
  if (lua_type(L, 1) != LUA_TSTRING && !luaL_callmeta(L, 1, "__tostring"))
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  luaL_traceback(L, L, lua_tostring(L, -1), 1);
  return 1;
}

void lb_host_prepare(lua_State *L, lb_loop *loop) {
  luaL_openlibs(L);
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

int lb_host_main(int argc, char **argv) {
  const char *err = NULL;
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
  fflush(stdout);
  lua_close(L);  /* finalises handles while the loop still exists */
  lb_loop_free(loop);
  return code;
}
