/*
** host.h: the embedding host. Creates the event loop and the Lua state, opens the libraries and
** the private core, and hands the command line to the Lua CLI under lua_pcall.
*/
#ifndef LB_HOST_H
#define LB_HOST_H
#include "lua.h"
#include "loop.h"

/* Opens the standard libraries, preloads lakebase.core (bound to loop) and installs the module
** searchers. Raises on memory errors, so call it under lua_pcall. */
void lb_host_prepare(lua_State *L, lb_loop *loop);

/* Runs lakebase with the process arguments; returns the exit status. */
int lb_host_main(int argc, char **argv);
#endif
