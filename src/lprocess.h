/*
** lprocess.h: child processes for Lua. core.spawn starts one and returns a `lakebase.Process` at
** once; the loop reaps it and finishes its exit handle. Nothing here waits for the child.
*/
#ifndef LB_LPROCESS_H
#define LB_LPROCESS_H
#include "lua.h"
#include "loop.h"
/* Adds spawn and signal to the table on top of the stack and creates the Process metatable. */
void lb_process_register(lua_State *L, lb_loop *loop);
/* Pushes a raw wait status as "exited", code | "signaled", signal | "unknown". [-0, +1|2] */
int lb_process_push_status(lua_State *L, int wstatus);
#endif
