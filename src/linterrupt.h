/* linterrupt.h: a script busy in code that never waits still answers SIGINT and SIGTERM. */
#ifndef LB_LINTERRUPT_H
#define LB_LINTERRUPT_H
#include "lua.h"
/* Adds running_enter/running_leave to the table on top of the stack and arms the loop's
   stuck-signal callback. */
void lb_interrupt_register(lua_State *L);
#endif
