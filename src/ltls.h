/* ltls.h: server-side TLS sessions on non-blocking sockets (core.tls_server), OpenSSL loaded on first use. */
#ifndef LB_LTLS_H
#define LB_LTLS_H
#include "lua.h"
/* Adds tls_server to the table on top of the stack; creates the metatables. */
void lb_tls_register(lua_State *L);
#endif
