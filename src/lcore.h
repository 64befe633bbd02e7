/*
** lcore.h: opener of the private core module; the loop is its upvalue 1 (a light userdata).
*/
#ifndef LB_LCORE_H
#define LB_LCORE_H
#include "lua.h"
#include "lauxlib.h"
#include "loop.h"
int lb_open_core(lua_State *L);

/* For other core files (lprocess.c): handles as lcore.c makes them. */
lb_handle *lb_core_new_handle(lua_State *L);        /* a fresh idle handle [-0, +1] */
void lb_core_anchor(lua_State *L, lb_handle *h);    /* the handle on top, while the loop holds it */
void lb_core_unanchor(lua_State *L, lb_handle *h);
/*
** For the core's classes: creates metatable `name` with the metamethods meta and the methods
** methods (its __index), then adds funcs (may be NULL) to the core table on top. Every function
** gets the loop as upvalue 1. [-0, +0]
*/
void lb_core_class(lua_State *L, lb_loop *loop, const char *name, const luaL_Reg *meta,
                   const luaL_Reg *methods, const luaL_Reg *funcs);
#endif
