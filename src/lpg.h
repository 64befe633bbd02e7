/* lpg.h: non-blocking libpq for lakebase.pg (core.pg_connect and the PgConn methods). */
#ifndef LB_LPG_H
#define LB_LPG_H
#include "lua.h"
#include "loop.h"
/* Adds pg_connect to the table on top of the stack; creates the connection metatable. */
void lb_pg_register(lua_State *L, lb_loop *loop);
#endif
