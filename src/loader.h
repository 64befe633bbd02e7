/*
** loader.h: module searchers for the embedded Lua sources and the development override
** (LAKEBASE_LUA_DIR puts an on-disk lua/ tree before the embedded copy).
*/
#ifndef LB_LOADER_H
#define LB_LOADER_H
#include "lua.h"
/* Inserts the searchers right after package.preload's. */
void lb_loader_install(lua_State *L);
#endif
