/*
** linterrupt.c: a script busy in code that never waits (a loop, a long computation) still
** answers Ctrl-C and SIGTERM. Signals normally reach the script through the event loop, which a
** busy coroutine never returns to. The scheduler says which coroutines are running
** (core.running_enter(co) before each resume, core.running_leave() after); when a signal is still
** unread a second after it came (loop.c's alarm), the signal handler sets a hook on each of them
** that raises an error at their next instruction, as lua.c does for its interpreter. The hook
** removes itself when it fires, so cleanup code that runs afterwards is not interrupted; a second
** signal while still stuck ends the process (loop.c).
*/
#include <signal.h>
#include "lauxlib.h"
#include "loop.h"
#include "linterrupt.h"

#define MAX_DEPTH 64

static lua_State *running[MAX_DEPTH];
static volatile sig_atomic_t depth;
static volatile sig_atomic_t interrupted_by;

/* The hook set by on_stuck: removes itself and raises the interruption. */
static void stop(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  lua_pushfstring(L, "interrupted by %s while running code that never waits",
                  interrupted_by == SIGTERM ? "SIGTERM" : "SIGINT");
  lua_error(L);
}

/* Called from a signal handler: lua_sethook is the one Lua call that may be made there. */
static void on_stuck(int sig) {
  interrupted_by = sig;
  for (sig_atomic_t i = 0; i < depth && i < MAX_DEPTH; i++)
    lua_sethook(running[i], stop, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* core.running_enter(co): co is about to run. [-0, +0] */
static int c_enter(lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  luaL_argexpected(L, co != NULL, 1, "thread");
  if (depth < MAX_DEPTH) running[depth] = co;  /* the slot first, then the count it becomes part of */
  depth = depth + 1;
  return 0;
}

/* core.running_leave(): the coroutine entered last has yielded or finished. [-0, +0] */
static int c_leave(lua_State *L) {
  (void)L;
  if (depth > 0) depth = depth - 1;
  return 0;
}

void lb_interrupt_register(lua_State *L) {
  static const luaL_Reg funcs[] = {{"running_enter", c_enter}, {"running_leave", c_leave}, {NULL, NULL}};
  luaL_setfuncs(L, funcs, 0);
  lb_loop_on_stuck(on_stuck);
}
