/*
** fuzz_lua.c: a libFuzzer target that hands each input to a Lua fuzz driver (drivers.lua) running
** in a full lakebase state, and aborts when the driver reports a bug. Built once per target with
** LB_FUZZ_TARGET set ("envelope", "config", "names", "pack", "emulator").
**
** The parsers under test are Lua, which libFuzzer cannot see: a line hook feeds it Lua coverage
** through its extra-counters section, one counter per (previous line, line) edge, hashed.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "lua.h"
#include "lauxlib.h"
#include "host.h"
#include "loop.h"

#ifndef LB_FUZZ_TARGET
#error "define LB_FUZZ_TARGET"
#endif

#define EDGES (1u << 16)
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t lua_edges[EDGES];

static lua_State *L;
static uintptr_t previous;

static void line_hook(lua_State *T, lua_Debug *ar) {
  if (!lua_getinfo(T, "S", ar)) return;
  /* The source string of a function is interned once, so its address identifies the chunk. */
  uintptr_t here = ((uintptr_t)ar->source * 31u) ^ ((uintptr_t)ar->currentline * 2654435761u);
  lua_edges[(here ^ previous) % EDGES]++;
  previous = here >> 1;
}

/* Under lua_pcall: the lakebase state, drivers.lua on package.path, drivers.run in the registry. */
static int setup(lua_State *S) {
  lb_host_prepare(S, (lb_loop *)lua_touserdata(S, 1));
  lua_getglobal(S, "package");
  lua_pushstring(S, LB_FUZZ_DIR "/?.lua;");
  lua_getfield(S, -2, "path");
  lua_concat(S, 2);
  lua_setfield(S, -2, "path");
  lua_getglobal(S, "require");
  lua_pushliteral(S, "drivers");
  lua_call(S, 1, 1);
  lua_getfield(S, -1, "run");
  lua_setfield(S, LUA_REGISTRYINDEX, "lakebase.fuzz.run");
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *err = NULL;
  lb_loop *loop = lb_loop_new(&err);
  if (loop == NULL) {
    fprintf(stderr, "fuzz: cannot start the event loop: %s\n", err);
    abort();
  }
  L = luaL_newstate();
  if (L == NULL) abort();
  lua_pushcfunction(L, setup);
  lua_pushlightuserdata(L, loop);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    fprintf(stderr, "fuzz: set-up failed: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_sethook(L, line_hook, LUA_MASKLINE, 0);
  return 0;  /* the state and loop live as long as the process */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int top = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, "lakebase.fuzz.run");
  lua_pushliteral(L, LB_FUZZ_TARGET);
  lua_pushlstring(L, (const char *)data, size);
  previous = 0;
  if (lua_pcall(L, 2, 2, 0) != LUA_OK) {
    fprintf(stderr, "fuzz: the driver itself failed: %s\n", lua_tostring(L, -1));
    abort();
  }
  if (!lua_toboolean(L, -2)) {
    fprintf(stderr, "fuzz: bug found by target " LB_FUZZ_TARGET ":\n%s\n", lua_tostring(L, -1));
    abort();
  }
  lua_settop(L, top);
  lua_gc(L, LUA_GCSTEP, 0);
  return 0;
}
