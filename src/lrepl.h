/* lrepl.h: libedit line editing for the REPL (core.repl_open/prompt/feed/interrupt/close). */
#ifndef LB_LREPL_H
#define LB_LREPL_H
#include "lua.h"
/* Adds the repl_* functions to the table on top of the stack. */
void lb_repl_register(lua_State *L);
#endif
