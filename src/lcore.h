/*
** lcore.h: opener of the private core module; the loop is its upvalue 1 (a light userdata).
*/
#ifndef LB_LCORE_H
#define LB_LCORE_H
#include "lua.h"
int lb_open_core(lua_State *L);
#endif
