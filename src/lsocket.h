/*
** lsocket.h: non-blocking TCP sockets for Lua (`lakebase.Socket`), also used for pipes. They
** never block: a call that would block answers nil, "again", and the Lua side waits with
** core.watch.
*/
#ifndef LB_LSOCKET_H
#define LB_LSOCKET_H
#include "lua.h"
#include "loop.h"
/* Adds listen, connect and connect_unix to the table on top of the stack; creates the metatable. */
void lb_socket_register(lua_State *L, lb_loop *loop);
/*
** Pushes a Socket owning fd (a non-blocking descriptor; closed by close or __gc). If this raises
** (out of memory), fd has not been taken and is still the caller's to close.
*/
void lb_socket_push_fd(lua_State *L, int fd);
/* The descriptor of socket argument i, or -1 when it is closed (raises if i is not a socket). */
int lb_socket_fd_open(lua_State *L, int i);
/* The descriptor of argument i: an integer, or a socket. */
int lb_socket_fd_arg(lua_State *L, int i);
#endif
