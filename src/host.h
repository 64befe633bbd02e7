/*
** host.h: the embedding host. Creates the event loop and the Lua state, opens the libraries and
** the private core, and hands the command line to the Lua CLI under lua_pcall.
*/
#ifndef LB_HOST_H
#define LB_HOST_H
/* Runs lakebase with the process arguments; returns the exit status. */
int lb_host_main(int argc, char **argv);
#endif
